// Quickstart: cluster "hosted" runs the mesh control plane; "hosted" and "east-1" share a Pod network (group
// "east"); "west-1" has its own (group "west"). One east-west gateway per group; both groups interconnected.
// An optional fourth cluster "south-1" (config `south1`) adds group "south", which joins too.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as multinet from "pulumi-multinet";

/** A cluster's kubeconfig: stack config (`pulumi config set --secret <key> < file`), else the local bed's cluster N. */
function kubeconfig(key: string, bedCluster: number): pulumi.Output<string> {
    const bedFile = process.env.MULTINET_BED_KUBECONFIGS?.split(":")[bedCluster - 1];
    return (
        new pulumi.Config().getSecret(key) ??
        (bedFile ? pulumi.secret(fs.readFileSync(bedFile, "utf8")) : new pulumi.Config().requireSecret(key))
    );
}

/** istiod's CLUSTER_ID, the control-plane cluster's Istio ID: config `controlPlaneId`, else the local bed's, else its name. */
const controlPlaneId = new pulumi.Config().get("controlPlaneId") ?? process.env.MULTINET_CONTROL_PLANE_ID;

// The optional fourth cluster: only with config `south1`, or on a bed of four clusters.
const south =
    new pulumi.Config().getSecret("south1") ?? (process.env.MULTINET_BED_KUBECONFIGS?.split(":")[3] ? kubeconfig("south1", 4) : undefined);

const mn = new multinet.MultiNetworking("mesh1", {
    meshId: "mesh1",
    controlPlane: { cluster: "hosted" },
    clusters: [
        { name: "hosted", clusterId: controlPlaneId, kubeconfig: kubeconfig("hosted", 1), podCidrs: ["10.10.0.0/16"] },
        { name: "east-1", kubeconfig: kubeconfig("east1", 2), podCidrs: ["10.20.0.0/16"] },
        { name: "west-1", kubeconfig: kubeconfig("west1", 3), podCidrs: ["10.20.0.0/16"] },
        ...(south ? [{ name: "south-1", kubeconfig: south, podCidrs: ["10.20.0.0/16"] }] : []),
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
const gwWest = new multinet.EastWestGateway("west-1", { networkGroup: west, cluster: "west-1", requestedAddress: "203.0.113.7" });

const members: multinet.InterconnectMemberArgs[] = [
    { networkGroup: east, gateways: [gwEast] },
    { networkGroup: west, gateways: [gwWest] },
];
if (south) {
    const southGroup = new multinet.NetworkGroup("south", { multiNetworking: mn, clusters: ["south-1"] });
    members.push({
        networkGroup: southGroup,
        gateways: [new multinet.EastWestGateway("south-1", { networkGroup: southGroup, cluster: "south-1" })],
    });
}

const ic = new multinet.Interconnect("mesh1", {
    multiNetworking: mn,
    members,
    controlPlaneRestart: "onMembershipChange",
});

export const gatewayRule = mn.gatewayRule;
export const groups = { east: east.clusters, west: west.clusters };
export const eastAddress = gwEast.address;
export const westAddress = gwWest.address;
export const interconnected = ic.networks;
export const controlPlaneRestarts = ic.controlPlaneRestarts;
