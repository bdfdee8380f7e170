// The interconnect table: for each change, what the preview warns AND what the real istiod does (its restarts,
// counted by the bed, and its table of network gateways) must agree with each other and with the row. Rows run
// in order on one stack; each starts from the previous row's state.
import { eventually, istiodStarts, networkGateways, settle } from "../helpers/istio";
import { clusterName as c, Live, Topology, TopologyStack, warnings } from "../../bed/topology";

const live = new Live();

const clusters = [
    { name: c(1), podCidrs: ["10.1.0.0/16"] },
    { name: c(2), podCidrs: ["10.2.0.0/16"] },
    { name: c(3), podCidrs: ["10.2.0.0/16"] },
    { name: c(4), podCidrs: ["10.4.0.0/16"] },
];
const gateways = [
    { name: "gw-g1", group: "g1", cluster: c(2) },
    { name: "gw-g2", group: "g2", cluster: c(3) },
    { name: "gw-g3", group: "g3", cluster: c(4), address: "203.0.113.200" },
];
const groups = [
    { name: "g1", clusters: [c(1), c(2)] },
    { name: "g2", clusters: [c(3)] },
    { name: "g3", clusters: [c(4)] },
];
/** Gateways after the address and replica rows. */
const scaled = [{ ...gateways[0], replicas: 3 }, gateways[1], { ...gateways[2], address: "203.0.113.201" }];
const member = (g: string) => ({ group: g, gateways: [`gw-${g}`] });

function topology(over: { members: string[]; groups?: Topology["groups"]; gateways?: Topology["gateways"] }): Topology {
    return {
        meshId: "mesh-ic",
        controlPlane: { cluster: c(1) },
        clusters,
        groups: over.groups ?? groups,
        gateways: over.gateways ?? gateways,
        interconnect: { members: over.members.map(member) },
    };
}

interface Row {
    name: string;
    topology: Topology;
    /** Networks the restart warning must name as joining / leaving; undefined: no restart warning. */
    restart?: { join: string[]; leave: string[] };
    /** Clusters the move warning must name. */
    moves?: string[];
    /** Joined networks after the update: network -> gateway addresses, or how many of any (undefined: one). */
    mesh: Record<string, string[] | number | undefined>;
}

const rows: Row[] = [
    {
        name: "first join of two groups",
        topology: topology({ members: ["g1", "g2"] }),
        restart: { join: ["g1", "g2"], leave: [] },
        mesh: { g1: undefined, g2: undefined },
    },
    {
        name: "a third group joins",
        topology: topology({ members: ["g1", "g2", "g3"] }),
        restart: { join: ["g3"], leave: [] },
        mesh: { g1: undefined, g2: undefined, g3: ["203.0.113.200"] },
    },
    {
        name: "a group leaves",
        topology: topology({ members: ["g1", "g2"] }),
        restart: { join: [], leave: ["g3"] },
        mesh: { g1: undefined, g2: undefined },
    },
    {
        name: "one joins while another leaves",
        topology: topology({ members: ["g1", "g3"] }),
        restart: { join: ["g3"], leave: ["g2"] },
        mesh: { g1: undefined, g3: ["203.0.113.200"] },
    },
    {
        name: "address change",
        topology: topology({ members: ["g1", "g3"], gateways: [gateways[0], gateways[1], { ...gateways[2], address: "203.0.113.201" }] }),
        mesh: { g1: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: "replica change",
        topology: topology({ members: ["g1", "g3"], gateways: scaled }),
        mesh: { g1: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: "a cluster moves between joined groups",
        topology: topology({
            members: ["g1", "g3"],
            groups: [{ name: "g1", clusters: [c(2)] }, groups[1], { name: "g3", clusters: [c(1), c(4)] }],
            gateways: scaled,
        }),
        moves: [c(1)],
        mesh: { g1: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: "a cluster is removed from a joined group",
        topology: topology({
            members: ["g1", "g3"],
            groups: [{ name: "g1", clusters: [c(2)] }, groups[1], { name: "g3", clusters: [c(4)] }],
            gateways: scaled,
        }),
        mesh: { g1: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: "a cluster is added to a joined group",
        topology: topology({
            members: ["g1", "g3"],
            groups: [{ name: "g1", clusters: [c(1), c(2)] }, groups[1], { name: "g3", clusters: [c(4)] }],
            gateways: scaled,
        }),
        mesh: { g1: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: "a gateway is added to a joined group",
        topology: {
            ...topology({ members: ["g1", "g3"], gateways: [...scaled, { name: "gw-g1b", group: "g1", cluster: c(1) }] }),
            interconnect: { members: [{ group: "g1", gateways: ["gw-g1", "gw-g1b"] }, member("g3")] },
        },
        mesh: { g1: 2, g3: ["203.0.113.201"] },
    },
    {
        name: "a gateway is removed from a joined group",
        topology: topology({ members: ["g1", "g3"], gateways: scaled }),
        mesh: { g1: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: 'a group joins under controlPlaneRestart "never": istiod hot-reloads, nothing restarts, nothing is said',
        topology: {
            ...topology({ members: ["g1", "g3", "g2"], gateways: scaled }),
            interconnect: { members: ["g1", "g3", "g2"].map(member), controlPlaneRestart: "never" },
        },
        mesh: { g1: undefined, g2: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: 'back to "onMembershipChange" as the group leaves: one restart',
        topology: topology({ members: ["g1", "g3"], gateways: scaled }),
        restart: { join: [], leave: ["g2"] },
        mesh: { g1: undefined, g3: ["203.0.113.201"] },
    },
    {
        name: "a joined group's networkName changes: the old network leaves, the new one joins, its cluster moves",
        topology: topology({
            members: ["g1", "g3"],
            groups: [groups[0], groups[1], { name: "g3", networkName: "g3-renamed", clusters: [c(4)] }],
            gateways: scaled,
        }),
        restart: { join: ["g3-renamed"], leave: ["g3"] },
        moves: [c(4)],
        mesh: { g1: undefined, "g3-renamed": ["203.0.113.201"] },
    },
];
// Then the previous topology again: a no-op. Last, the program drops its Interconnect altogether.
rows.push({ ...rows[rows.length - 1], name: "no-op", moves: undefined, restart: undefined });
rows.push({
    name: "the interconnect is removed",
    topology: { ...rows[rows.length - 1].topology, interconnect: undefined },
    restart: { join: [], leave: ["g1", "g3-renamed"] },
    mesh: {},
});

describe("interconnect: preview warnings agree with the control plane", () => {
    const stack = new TopologyStack("ic");
    beforeAll(async () => {
        await stack.create(4);
        await stack.apply({ ...topology({ members: [] }), interconnect: undefined });
    });
    afterAll(() => stack.remove());

    let restartsSoFar = 0;
    test.each(rows.map((r) => [r.name, r] as const))("%s", async (_name, row) => {
        const starts = istiodStarts();
        const preview = await stack.previewOf(row.topology);
        const warned = warnings(preview);
        const restartWarnings = warned.filter((w) => w.includes("restarts the mesh control plane"));
        const moveWarnings = warned.filter((w) => w.includes("moves from network"));

        // what the preview says
        if (row.restart) {
            expect(restartWarnings).toHaveLength(1);
            for (const n of row.restart.join) expect(restartWarnings[0]).toMatch(new RegExp(`"${n}".* join`));
            for (const n of row.restart.leave) expect(restartWarnings[0]).toMatch(new RegExp(`"${n}".* leave`));
            expect(restartWarnings[0]).toContain(`Deployment istio-system/istiod on cluster "${c(1)}"`);
        } else {
            expect(restartWarnings).toEqual([]);
        }
        expect(moveWarnings.map((w) => w.match(/cluster "([^"]+)"/)?.[1])).toEqual(row.moves ?? []);
        if (!row.restart && !row.moves) expect(warned).toEqual([]);

        // what happens
        const up = await stack.apply(row.topology);
        await settle();
        const rolled = istiodStarts() - starts;
        expect(rolled).toBe(row.restart ? 1 : 0);
        if (row.restart && row.topology.interconnect) expect(up.stdout).toContain("restarts the mesh control plane");
        restartsSoFar += rolled;
        if (row.topology.interconnect) expect((await stack.outputs()).controlPlaneRestarts).toBe(restartsSoFar);

        // istiod's own table: each joined group's gateways once, every other group of the stack behind 100::.
        const groups = row.topology.groups.map((g) => g.networkName ?? g.name);
        await eventually(async () => {
            const table = await networkGateways();
            expect([...new Set(table.map((g) => g.network))].sort()).toEqual(groups.sort());
            for (const network of groups) {
                const theirs = table.filter((g) => g.network === network);
                theirs.forEach((g) => expect([g.port, g.cluster]).toEqual([15443, ""]));
                if (!(network in row.mesh)) {
                    expect(theirs.map((g) => g.address)).toEqual(["100::"]);
                    continue;
                }
                const addresses = row.mesh[network];
                const exact = Array.isArray(addresses) ? addresses : undefined;
                expect(theirs).toHaveLength(exact?.length ?? (typeof addresses === "number" ? addresses : 1));
                theirs.forEach((g, i) => expect(g.address).toEqual(exact ? exact[i] : expect.stringMatching(/^203\.0\.113\.\d+$/)));
            }
        });
        expect(JSON.stringify(await live.meshNetworks())).not.toContain("endpoints");
        if (row.name === "no-op") expect(preview.changeSummary).toEqual({ same: expect.any(Number) });
    });

    test("destroy leaves meshNetworks as it was before the stack, and istiod with no gateway", async () => {
        await stack.ok(["destroy", "--yes", "--skip-preview"]);
        expect((await live.meshConfigMap()).data.meshNetworks).toBeUndefined();
        await eventually(async () => expect(await networkGateways()).toEqual([]));
    });
});
