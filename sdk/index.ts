// pulumi-multinet: connect the Pod networks of several Kubernetes clusters in one Istio mesh through
// east-west gateways, declaratively.
export { EastWestGateway, EastWestGatewayArgs } from "./eastWestGateway";
export { Interconnect, InterconnectArgs, InterconnectMemberArgs } from "./interconnect";
export { ClusterArgs, ControlPlaneArgs, MultiNetworking, MultiNetworkingArgs } from "./multiNetworking";
export { NetworkGroup, NetworkGroupArgs } from "./networkGroup";
export type { NetworkGroupExport } from "../core/rules";
export { NetworkGroupReference, NetworkGroupReferenceArgs } from "./networkGroupReference";
export * from "./mesh";
/** The whole-mesh planner for tooling: planMesh and its types (the rules and renderers the components run, for a whole topology). */
export * as plan from "../core/planner";
