// A synthetic whole-mesh topology for the pure planner's unit tests and the benchmark's planner figure.
import type { MeshTopology } from "../core";

/**
 * `groups` network groups of two clusters each (c1 c2 in g1, c3 c4 in g2, ...), distinct /24 Pod CIDRs, one
 * gateway on each group's second cluster (address 198.18.x.y, the benchmarking range), every group joined.
 * Valid for up to 32,000 groups; c1 runs the control plane.
 */
export function syntheticMesh(groups: number): MeshTopology {
    const gs = Array.from({ length: groups }, (_, g) => ({ networkName: `g${g + 1}`, clusters: [`c${2 * g + 1}`, `c${2 * g + 2}`] }));
    return {
        meshId: "m",
        owner: "p/s",
        controlPlane: { cluster: "c1", namespace: "istio-system" },
        clusters: Array.from({ length: groups * 2 }, (_, i) => ({
            name: `c${i + 1}`,
            podCidrs: [`10.${Math.floor(i / 250)}.${i % 250}.0/24`],
        })),
        groups: gs,
        gateways: gs.map((g) => ({
            name: `gw-${g.networkName}`,
            cluster: g.clusters[1],
            networkName: g.networkName,
            replicas: 1,
            serviceAnnotations: {},
        })),
        interconnect: {
            members: gs.map((g, i) => ({
                networkName: g.networkName,
                gateways: [`gw-${g.networkName}`],
                addresses: [`198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`],
            })),
            controlPlaneRestart: "onMembershipChange",
        },
    };
}
