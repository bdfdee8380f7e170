// pulumi-multinet: connect the Pod networks of several Kubernetes clusters in one Istio mesh through
// east-west gateways, declaratively.
export { EastWestGateway, EastWestGatewayArgs } from "./eastWestGateway";
export { Interconnect, InterconnectArgs, InterconnectMemberArgs } from "./interconnect";
export { ClusterArgs, ControlPlaneArgs, MultiNetworking, MultiNetworkingArgs } from "./multiNetworking";
export { NetworkGroup, NetworkGroupArgs } from "./networkGroup";
export * from "./mesh";
/** The pure planner (validation, rendering, change classification), exported for tests and tooling. */
export * as plan from "../core";
