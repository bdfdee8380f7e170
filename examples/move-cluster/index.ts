// Cluster "c" starts in group "west". `pulumi config set moveC true` moves it to "east": its gateway follows
// in place (same Service, same address), meshNetworks is updated without a control-plane restart, and the
// preview warns that the workloads on "c" must restart their sidecars to take the new network.
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

const moveC = new pulumi.Config().getBoolean("moveC") ?? false;

const mn = new multinet.MultiNetworking("move", {
    meshId: "move",
    controlPlane: { cluster: "a" },
    clusters: [
        { name: "a", clusterId: controlPlaneId, kubeconfig: kubeconfig("a", 1), podCidrs: ["10.1.0.0/16"] },
        { name: "b", kubeconfig: kubeconfig("b", 2), podCidrs: ["10.2.0.0/16"] },
        { name: "c", kubeconfig: kubeconfig("c", 3), podCidrs: ["10.3.0.0/16"] },
    ],
});

const east = new multinet.NetworkGroup("east", { multiNetworking: mn, clusters: moveC ? ["a", "c"] : ["a"] });
const west = new multinet.NetworkGroup("west", { multiNetworking: mn, clusters: moveC ? ["b"] : ["b", "c"] });

const gwA = new multinet.EastWestGateway("gw-a", { networkGroup: east, cluster: "a" });
const gwB = new multinet.EastWestGateway("gw-b", { networkGroup: west, cluster: "b" });
const gwC = new multinet.EastWestGateway("gw-c", { networkGroup: moveC ? east : west, cluster: "c" });

const ic = new multinet.Interconnect("move", {
    multiNetworking: mn,
    members: [
        { networkGroup: east, gateways: moveC ? [gwA, gwC] : [gwA] },
        { networkGroup: west, gateways: moveC ? [gwB] : [gwB, gwC] },
    ],
});

export const cGatewayAddress = gwC.address;
export const meshNetworks = ic.meshNetworks;
