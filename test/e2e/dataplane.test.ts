// What a proxy gets from the real istiod, step by step through a mesh's life on four clusters, two of which
// share a Pod CIDR: groups join, a gateway address changes, a cluster moves (out of a group that is dissolved in
// the same update, too), a group leaves, the interconnect goes, multi-networking is disabled. After each step:
// - a sidecar of each network receives its own group's Pods as Pod IPs, each joined group's gateways exactly
//   once (equal weights), and nothing routable for a group outside the interconnect;
// - istiod's gateway table and cluster list match the program;
// - istiod restarted exactly when, and as often as, the preview said; the move warning named the moved cluster;
// - `istioctl analyze` finds no warning or error on any cluster.
import { XdsEndpoint } from "../../bed/bed";
import {
    analyzeProblems,
    clusterId,
    eventually,
    istiodClusters,
    istiodStarts,
    networkGateways,
    samplePodIps,
    settle,
    sidecarView,
    summarize,
} from "../helpers/istio";
import { joined, clusterName as c, Live, Topology, TopologyStack, warnings } from "../../bed/topology";

const live = new Live();
const pods = (...clusters: number[]) => clusters.flatMap(samplePodIps).sort();

const clusters = [
    { name: c(1), clusterId: clusterId(1), podCidrs: ["10.1.0.0/16"] },
    { name: c(2), podCidrs: ["10.2.0.0/16"] },
    // cluster-3 and cluster-4 share a Pod CIDR: they can only be in different groups.
    { name: c(3), podCidrs: ["10.20.0.0/16"] },
    { name: c(4), podCidrs: ["10.20.0.0/16"] },
];

const base = (over: Partial<Topology>): Topology => ({
    meshId: "mesh-dp",
    controlPlane: { cluster: c(1) },
    clusters,
    groups: [
        { name: "east", clusters: [c(1), c(2)] },
        { name: "west", clusters: [c(3)] },
        { name: "south", clusters: [c(4)] },
    ],
    gateways: [
        { name: "gw-east", group: "east", cluster: c(2) },
        { name: "gw-west", group: "west", cluster: c(3) },
        { name: "gw-south", group: "south", cluster: c(4), address: "203.0.113.200" },
    ],
    ...over,
});
/** What a sidecar must receive: Pod IPs of its own network, and gateway address -> times (always once). */
interface Expected {
    direct: string[];
    gateways: string[];
}

interface Step {
    name: string;
    topology: Topology;
    /** Networks the restart warning names as joining / leaving; undefined: no restart warning, no restart. */
    restart?: { join: string[]; leave: string[] };
    /** Clusters the move warning names. */
    moves?: string[];
    /** Sidecars to look through: [bed cluster, the sidecar's network] -> what it must receive. */
    views: [number, string, (a: Addresses) => Expected][];
    /** Networks in istiod's gateway table -> their addresses (joined) or ["100::"] (outside). */
    table: (a: Addresses) => Record<string, string[]>;
    /** A sidecar that reaches a group of two gateways: both must get the same weight. */
    equalWeights?: [number, string];
}

/** Load-balancer addresses of the gateways, read from the stack after each step. */
type Addresses = Record<string, string>;

const steps: Step[] = [
    {
        name: "east and west join; south stays outside",
        topology: base({ interconnect: joined("east", "west") }),
        restart: { join: ["east", "west"], leave: [] },
        views: [
            [1, "east", (a) => ({ direct: pods(1, 2), gateways: [a["gw-west"]] })],
            [2, "east", (a) => ({ direct: pods(1, 2), gateways: [a["gw-west"]] })],
            [3, "west", (a) => ({ direct: pods(3), gateways: [a["gw-east"]] })],
        ],
        table: (a) => ({ east: [a["gw-east"]], west: [a["gw-west"]], south: ["100::"] }),
    },
    {
        name: "south joins",
        topology: base({ interconnect: joined("east", "west", "south") }),
        restart: { join: ["south"], leave: [] },
        views: [
            [3, "west", (a) => ({ direct: pods(3), gateways: [a["gw-east"], "203.0.113.200"] })],
            [4, "south", (a) => ({ direct: pods(4), gateways: [a["gw-east"], a["gw-west"]] })],
        ],
        table: (a) => ({ east: [a["gw-east"]], west: [a["gw-west"]], south: ["203.0.113.200"] }),
    },
    {
        name: "south's gateway address changes",
        topology: base({
            interconnect: joined("east", "west", "south"),
            gateways: [...base({}).gateways.slice(0, 2), { name: "gw-south", group: "south", cluster: c(4), address: "203.0.113.201" }],
        }),
        views: [[3, "west", (a) => ({ direct: pods(3), gateways: [a["gw-east"], "203.0.113.201"] })]],
        table: (a) => ({ east: [a["gw-east"]], west: [a["gw-west"]], south: ["203.0.113.201"] }),
    },
];
const southMoved = { name: "gw-south", group: "south", cluster: c(4), address: "203.0.113.201" };
steps.push(
    {
        name: "cluster-1 moves from east to west",
        topology: base({
            groups: [
                { name: "east", clusters: [c(2)] },
                { name: "west", clusters: [c(3), c(1)] },
                { name: "south", clusters: [c(4)] },
            ],
            gateways: [...base({}).gateways.slice(0, 2), southMoved],
            interconnect: joined("east", "west", "south"),
        }),
        moves: [c(1)],
        views: [
            // A sidecar started after the move (restarted, as the warning says) is in west.
            [1, "west", (a) => ({ direct: pods(1, 3), gateways: [a["gw-east"], "203.0.113.201"] })],
            // One still running from before keeps "east" and reaches its own cluster's Pods through west's gateway.
            [1, "east", (a) => ({ direct: pods(2), gateways: [a["gw-west"], "203.0.113.201"] })],
            [2, "east", (a) => ({ direct: pods(2), gateways: [a["gw-west"], "203.0.113.201"] })],
        ],
        table: (a) => ({ east: [a["gw-east"]], west: [a["gw-west"]], south: ["203.0.113.201"] }),
    },
    {
        name: "south is dissolved: cluster-4 and its gateway move to east, which now has two gateways",
        topology: base({
            groups: [
                { name: "east", clusters: [c(2), c(4)] },
                { name: "west", clusters: [c(3), c(1)] },
            ],
            gateways: [...base({}).gateways.slice(0, 2), { ...southMoved, group: "east" }],
            interconnect: {
                members: [
                    { group: "east", gateways: ["gw-east", "gw-south"] },
                    { group: "west", gateways: ["gw-west"] },
                ],
            },
        }),
        restart: { join: [], leave: ["south"] },
        moves: [c(4)],
        equalWeights: [3, "west"],
        views: [
            [3, "west", (a) => ({ direct: pods(1, 3), gateways: [a["gw-east"], "203.0.113.201"] })],
            [4, "east", (a) => ({ direct: pods(2, 4), gateways: [a["gw-west"]] })],
        ],
        table: (a) => ({ east: [a["gw-east"], "203.0.113.201"].sort(), west: [a["gw-west"]] }),
    },
    {
        name: "west leaves",
        topology: base({
            groups: [
                { name: "east", clusters: [c(2), c(4)] },
                { name: "west", clusters: [c(3), c(1)] },
            ],
            gateways: [...base({}).gateways.slice(0, 2), { ...southMoved, group: "east" }],
            interconnect: { members: [{ group: "east", gateways: ["gw-east", "gw-south"] }] },
        }),
        restart: { join: [], leave: ["west"] },
        views: [
            [2, "east", () => ({ direct: pods(2, 4), gateways: [] })],
            // Istio's gateway table is mesh-wide: a group outside still sees the joined groups' gateways (README).
            [3, "west", (a) => ({ direct: pods(1, 3), gateways: [a["gw-east"], "203.0.113.201"] })],
        ],
        table: (a) => ({ east: [a["gw-east"], "203.0.113.201"].sort(), west: ["100::"] }),
    },
    {
        name: "the interconnect, gateways and groups go: the control plane rolls for the networks that leave",
        topology: base({ groups: [], gateways: [], interconnect: undefined }),
        restart: { join: [], leave: ["east"] },
        // No gateway anywhere: Istio treats the mesh as one network again.
        views: [[1, "west", () => ({ direct: pods(1, 2, 3, 4), gateways: [] })]],
        table: () => ({}),
    },
);

function expectView(view: XdsEndpoint[], expected: Expected): void {
    const got = summarize(view);
    expect(got.direct).toEqual(expected.direct);
    expect(Object.keys(got.gateways).sort()).toEqual([...expected.gateways].sort());
    for (const [address, times] of Object.entries(got.gateways)) expect([address, times]).toEqual([address, 1]);
    expect(view.map((e) => e.address)).not.toContain("100::");
}

describe("data plane: what istiod sends proxies follows the program", () => {
    const stack = new TopologyStack("dp");
    beforeAll(() => stack.create(4));
    afterAll(() => stack.remove());

    test.each(steps.map((s) => [s.name, s] as const))("%s", async (_name, step) => {
        const starts = istiodStarts();
        const said = warnings(await stack.previewOf(step.topology));
        const restartWarnings = said.filter((w) => w.includes("restarts the mesh control plane"));
        if (step.restart) {
            expect(restartWarnings).toHaveLength(1);
            for (const n of step.restart.join) expect(restartWarnings[0]).toMatch(new RegExp(`"${n}".* join`));
            for (const n of step.restart.leave) expect(restartWarnings[0]).toMatch(new RegExp(`"${n}".* leave`));
        } else {
            expect(restartWarnings).toEqual([]);
        }
        expect(said.filter((w) => w.includes("moves from network")).map((w) => w.match(/cluster "([^"]+)"/)?.[1])).toEqual(
            step.moves ?? [],
        );
        if (!step.restart && !step.moves) expect(said).toEqual([]);

        await stack.apply(step.topology);
        await settle();
        expect(istiodStarts() - starts).toBe(step.restart ? 1 : 0);

        const addresses: Addresses = (await stack.outputs()).addresses ?? {};
        await eventually(async () => {
            const table = await networkGateways();
            const byNetwork: Record<string, string[]> = {};
            for (const g of table) (byNetwork[g.network] ??= []).push(g.address);
            for (const list of Object.values(byNetwork)) list.sort();
            expect(byNetwork).toEqual(step.table(addresses));
        });
        for (const [cluster, network, expected] of step.views) {
            await eventually(async () => expectView(await sidecarView(cluster, network), expected(addresses)));
        }
        if (step.equalWeights) {
            const weights = summarize(await sidecarView(...step.equalWeights)).weights;
            expect(Object.keys(weights)).toHaveLength(2);
            expect(new Set(Object.values(weights).flat()).size).toBe(1);
        }
        for (const n of [1, 2, 3, 4]) expect({ cluster: n, problems: await analyzeProblems(n) }).toEqual({ cluster: n, problems: [] });
    });

    test("istiod reads every declared cluster through the remote secrets, and forgets them when disabled", async () => {
        expect(await istiodClusters()).toEqual(Object.fromEntries([1, 2, 3, 4].map((n) => [clusterId(n), "synced"])));
        const starts = istiodStarts();
        await stack.ok(["destroy", "--yes", "--skip-preview"]);
        await eventually(async () => expect(await istiodClusters()).toEqual({ [clusterId(1)]: "synced" }));
        expect(await networkGateways()).toEqual([]);
        expect((await live.meshConfigMap()).data.meshNetworks).toBeUndefined();
        await settle();
        expect(istiodStarts()).toBe(starts);
    });
});
