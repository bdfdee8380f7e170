// Quickstart: cluster "hosted" runs the mesh control plane; "hosted" and "east-1" share a Pod network (group
// "east"); "west-1" has its own (group "west"). One east-west gateway per group; both groups interconnected.
import * as pulumi from "@pulumi/pulumi";
import * as multinet from "pulumi-multinet";

const cfg = new pulumi.Config();

const mn = new multinet.MultiNetworking("mesh1", {
    meshId: "mesh1",
    controlPlane: { cluster: "hosted" },
    clusters: [
        { name: "hosted", kubeconfig: cfg.requireSecret("hosted"), podCidrs: ["10.10.0.0/16"] },
        { name: "east-1", kubeconfig: cfg.requireSecret("east1"), podCidrs: ["10.20.0.0/16"] },
        { name: "west-1", kubeconfig: cfg.requireSecret("west1"), podCidrs: ["10.20.0.0/16"] },
    ],
});

const east = new multinet.NetworkGroup("east", { multiNetworking: mn, clusters: ["hosted", "east-1"] });
const west = new multinet.NetworkGroup("west", { multiNetworking: mn, clusters: ["west-1"] });

const gwEast = new multinet.EastWestGateway("east-1", {
    networkGroup: east,
    cluster: "east-1",
    replicas: 2,
    serviceAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
});
const gwWest = new multinet.EastWestGateway("west-1", { networkGroup: west, cluster: "west-1", address: "203.0.113.7" });

const ic = new multinet.Interconnect("mesh1", {
    multiNetworking: mn,
    members: [
        { networkGroup: east, gateways: [gwEast] },
        { networkGroup: west, gateways: [gwWest] },
    ],
    controlPlaneRestart: "onMembershipChange",
});

export const gatewayRule = mn.gatewayRule;
export const groups = { east: east.clusters, west: west.clusters };
export const eastAddress = gwEast.address;
export const westAddress = gwWest.address;
export const interconnected = ic.networks;
export const controlPlaneRestarts = ic.controlPlaneRestarts;
