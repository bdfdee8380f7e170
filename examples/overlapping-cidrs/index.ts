// Clusters "blue" and "green" both use Pod CIDR 10.42.0.0/16, so their Pods cannot reach each other directly:
// each gets its own network group and east-west gateway, and the interconnect joins them.
// `pulumi config set oneGroup true` puts both in one group instead: the preview fails, naming both clusters
// and both CIDRs, and nothing is written to any cluster.
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

const oneGroup = new pulumi.Config().getBoolean("oneGroup") ?? false;

const mn = new multinet.MultiNetworking("cidrs", {
    meshId: "cidrs",
    controlPlane: { cluster: "blue" },
    clusters: [
        { name: "blue", clusterId: controlPlaneId, kubeconfig: kubeconfig("blue", 1), podCidrs: ["10.42.0.0/16"] },
        { name: "green", kubeconfig: kubeconfig("green", 2), podCidrs: ["10.42.0.0/16"] },
    ],
});

const groups = oneGroup
    ? [new multinet.NetworkGroup("all", { multiNetworking: mn, clusters: ["blue", "green"] })]
    : [
          new multinet.NetworkGroup("blue-net", { multiNetworking: mn, clusters: ["blue"] }),
          new multinet.NetworkGroup("green-net", { multiNetworking: mn, clusters: ["green"] }),
      ];
const members = groups.map((group) => {
    const cluster = group === groups[0] ? "blue" : "green";
    return { networkGroup: group, gateways: [new multinet.EastWestGateway(`${cluster}-gw`, { networkGroup: group, cluster })] };
});
const ic = new multinet.Interconnect("cidrs", { multiNetworking: mn, members });

export const networks = ic.networks;
