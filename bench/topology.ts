// The bench's topology, shared by bench/run.ts and bench/profile.ts.
import { clusterName as c, Topology } from "../bed/topology";

/**
 * `n` clusters in groups of two (g1, g2, ...), one gateway each on the group's second cluster; the first `joined`
 * groups interconnected; `lastAddress`, the last gateway's user-set address (else the load balancer's).
 */
export function benchTopology(n: number, joined = n / 2, lastAddress?: string, controlPlaneRestart?: "never"): Topology {
    const groups = Array.from({ length: n / 2 }, (_, g) => ({ name: `g${g + 1}`, clusters: [c(2 * g + 1), c(2 * g + 2)] }));
    return {
        meshId: "bench",
        controlPlane: { cluster: c(1) },
        clusters: Array.from({ length: n }, (_, i) => ({ name: c(i + 1), podCidrs: [`10.${i + 1}.0.0/16`] })),
        groups,
        gateways: groups.map((g, i) => ({
            name: `gw-${g.name}`,
            group: g.name,
            cluster: g.clusters[1],
            ...(lastAddress && i === groups.length - 1 ? { address: lastAddress } : {}),
        })),
        interconnect: {
            members: groups.slice(0, joined).map((g) => ({ group: g.name, gateways: [`gw-${g.name}`] })),
            ...(controlPlaneRestart ? { controlPlaneRestart } : {}),
        },
    };
}
