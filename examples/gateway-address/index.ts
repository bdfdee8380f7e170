// The "west" gateway uses an address you assign (config `westAddress`, default 203.0.113.50), e.g. a reserved
// cloud IP. Changing it on a joined group updates meshNetworks in place: istiod hot-reloads it, so the preview
// shows no restart warning and the control plane does not roll.
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

const westAddress = new pulumi.Config().get("westAddress") ?? "203.0.113.50";

const mn = new multinet.MultiNetworking("addr", {
    meshId: "addr",
    controlPlane: { cluster: "east" },
    clusters: [
        { name: "east", clusterId: controlPlaneId, kubeconfig: kubeconfig("east", 1) },
        { name: "west", kubeconfig: kubeconfig("west", 2) },
    ],
});
const eastGroup = new multinet.NetworkGroup("east-net", { multiNetworking: mn, clusters: ["east"] });
const westGroup = new multinet.NetworkGroup("west-net", { multiNetworking: mn, clusters: ["west"] });
const gwEast = new multinet.EastWestGateway("east-gw", { networkGroup: eastGroup, cluster: "east" });
const gwWest = new multinet.EastWestGateway("west-gw", { networkGroup: westGroup, cluster: "west", requestedAddress: westAddress });

const ic = new multinet.Interconnect("addr", {
    multiNetworking: mn,
    members: [
        { networkGroup: eastGroup, gateways: [gwEast] },
        { networkGroup: westGroup, gateways: [gwWest], addresses: [westAddress] },
    ],
});

export const westGatewayAddress = gwWest.address;
export const controlPlaneRestarts = ic.controlPlaneRestarts;
