// Entry point of the dynamic providers. The serialized provider closures in state only `require` this module
// and call into it, so state stays small and a fixed package version fixes every operation, delete included.
// Each provider `satisfies` Pulumi's ResourceProvider<Inputs, Outputs>: tsc checks it against the engine's contract,
// and its methods stay non-optional for the code and tests that call them directly.
export { eastWestGatewayProvider } from "./resources/eastWestGateway";
export { gatewayRuleProvider } from "./resources/gatewayRule";
export { interconnectProvider } from "./resources/interconnect";
export { networkGroupProvider } from "./resources/networkGroup";
export { remoteSecretProvider } from "./resources/remoteSecret";
export { readerCredentialProvider } from "./resources/readerCredential";
