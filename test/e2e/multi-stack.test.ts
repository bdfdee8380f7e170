// A mesh split across stacks, as a platform team and two cluster teams would run it: the hub stack holds the
// control plane (and its own group), each group stack holds only its clusters' kubeconfigs and exports what the hub
// needs. istiod must serve the split mesh exactly as it serves the same topology from one stack; each stack's
// requests go to its own clusters only (the API servers' audit logs); destroying a group's stack while the hub
// still reads it is refused with the fix.
import { auditCounts, auditOffset } from "../../bed/audit";
import { clusterName as c, errors, Live, Topology, TopologyStack, warnings } from "../../bed/topology";
import { annotations, labels, remoteAccess } from "../../core/names";
import { runCheck } from "../helpers/cli";
import { clusterId, eventually, istiodClusters, networkGateways, settle, sidecarView, summarize } from "../helpers/istio";

const live = new Live();
const meshId = "mesh-ms";
const cluster = (n: number) => ({ name: c(n), clusterId: clusterId(n), podCidrs: [`10.${n}.0.0/16`] });
const gateway = (group: string, n: number) => ({ name: `gw-${group}`, group, cluster: c(n), address: `203.0.113.${40 + n}` });
const member = (group: string) => ({ group, gateways: [`gw-${group}`] });

/** The quickstart's topology (east: clusters 1 and 2; west: 3; south: 4; all joined) in one stack. */
const whole: Topology = {
    meshId,
    controlPlane: { cluster: c(1) },
    clusters: [1, 2, 3, 4].map(cluster),
    groups: [
        { name: "east", clusters: [c(1), c(2)] },
        { name: "west", clusters: [c(3)] },
        { name: "south", clusters: [c(4)] },
    ],
    gateways: [gateway("east", 2), gateway("west", 3), gateway("south", 4)],
    interconnect: { members: ["east", "west", "south"].map(member) },
};

/** A group stack: group `name` on bed cluster `n`, with its gateway; no control plane. */
const groupStack = (name: string, n: number): Topology => ({
    meshId,
    controlPlane: {},
    clusters: [cluster(n)],
    groups: [{ name, clusters: [c(n)] }],
    gateways: [gateway(name, n)],
});

/** istiod's view of the mesh: the clusters it reads, its network gateways, and what a sidecar in each network gets. */
async function istiodView() {
    await settle();
    return {
        clusters: await istiodClusters(),
        gateways: await networkGateways(),
        sidecars: {
            east: summarize(await sidecarView(2, "east")),
            west: summarize(await sidecarView(3, "west")),
            south: summarize(await sidecarView(4, "south")),
        },
    };
}

/** The admin user's requests per bed cluster while `run` runs (the bed's own reads are not counted). */
async function requestsDuring(run: () => Promise<unknown>): Promise<Record<number, number>> {
    const logs = live.state.clusters.slice(0, 4).map((cl) => cl.auditLog);
    const from = logs.map(auditOffset);
    await run();
    return Object.fromEntries(
        logs.map((log, i) => {
            const n = auditCounts(log, from[i]);
            return [i + 1, n.reads + n.writes];
        }),
    );
}

describe("a mesh split across a hub stack and two group stacks", () => {
    const single = new TopologyStack("ms-single", "as is");
    const hub = new TopologyStack("ms-hub", "as is");
    const west = new TopologyStack("ms-west", "as is");
    const south = new TopologyStack("ms-south", "as is");
    const hubTopology = (refs: string[]): Topology => ({
        meshId,
        controlPlane: { cluster: c(1) },
        clusters: [1, 2].map(cluster),
        groups: [whole.groups[0]],
        gateways: [whole.gateways[0]],
        references: refs.map((name) => ({ name, stack: (name === "west" ? west : south).qualifiedName })),
        interconnect: { members: ["east", ...refs].map(member) },
    });
    let expected: Awaited<ReturnType<typeof istiodView>>;

    beforeAll(async () => {
        await live.install({ 1: ["east"], 2: ["east"], 3: ["west"], 4: ["south"] });
        // What istiod serves for the topology from one stack, to compare with.
        await single.create(4);
        await single.apply(whole);
        expected = await istiodView();
        await single.remove();
        await hub.createFor([1, 2]);
        await west.createFor([3]);
        await south.createFor([4]);
    });
    afterAll(async () => {
        await hub.remove();
        await west.remove();
        await south.remove();
    });

    test("group stacks touch only their clusters, and their preview is silent: nothing restarts the control plane", async () => {
        for (const [stack, n, name] of [
            [west, 3, "west"],
            [south, 4, "south"],
        ] as const) {
            const t = groupStack(name, n);
            const preview = await stack.previewOf(t);
            expect(warnings(preview)).toEqual([]);
            const requests = await requestsDuring(() => stack.up());
            for (const other of [1, 2, 3, 4].filter((x) => x !== n)) expect([other, requests[other]]).toEqual([other, 0]);
            expect(requests[n]).toBeGreaterThan(0);
            // The group's clusters carry its network; the reader and hub record wait for the hub.
            expect((await live.namespaceLabels(n))[labels.network]).toBe(name);
            expect(await live.get(n, `/api/v1/namespaces/istio-system/configmaps/${remoteAccess.hubRecord(meshId)}`)).toBeDefined();
        }
        // The export holds the reader (a secret) and the gateway; nothing is on the control plane yet.
        const exported = (await west.outputs()).groupExports.west;
        expect(exported).toMatchObject({ meshId, networkName: "west", gateways: [{ address: "203.0.113.43", port: 15443 }] });
        expect(exported.clusters[0].reader).toMatch(/token: /);
        expect(await west.exportState()).not.toContain(exported.clusters[0].reader.match(/token: (\S+)/)[1]);
        expect(Object.keys(await live.meshNetworks())).not.toContain("west");
    });

    test("the hub's preview says the control plane restarts; its update reaches the group clusters only through their readers; istiod serves what one stack gives", async () => {
        const t = hubTopology(["west", "south"]);
        const said = warnings(await hub.previewOf(t));
        expect(said).toEqual([
            expect.stringMatching(
                /^warning: this update restarts the mesh control plane: network\(s\) "east", "south", "west" join the interconnect/,
            ),
        ]);
        const requests = await requestsDuring(() => hub.up());
        expect([requests[3], requests[4]]).toEqual([0, 0]);
        expect(requests[1]).toBeGreaterThan(0);
        await eventually(async () => expect(await istiodView()).toEqual(expected), 60_000);
        // The hub marked each group cluster's hub record (with the reader's token), so the group stacks know.
        for (const n of [3, 4]) {
            const record = await live.get(n, `/api/v1/namespaces/istio-system/configmaps/${remoteAccess.hubRecord(meshId)}`);
            expect(record.metadata.annotations[annotations.hub]).toBe(`multinet-topology/${hub.name}/${meshId}`);
        }
        // The platform team checks the split mesh with the hub's kubeconfigs alone: istiod reads the group clusters
        // (their IDs come from the hub's record) and serves their gateways; what needs the group clusters is skipped.
        const { code, report } = await runCheck(live, [], [1, 2]);
        const status = Object.fromEntries(report.checks.map((x) => [x.id, x.status]));
        expect([code, status["remote-clusters"], status.gateways, status["control-plane"]]).toEqual([0, "pass", "pass", "pass"]);
        expect(report.checks.flatMap((x) => x.findings).filter((f) => f.severity === "fail" || f.severity === "warn")).toEqual([]);
        // Nothing changes: no step, no warning, on either side.
        const again = await hub.previewOf(t);
        expect([again.changeSummary, warnings(again)]).toEqual([{ same: expect.any(Number) }, []]);
        const groupAgain = await west.previewOf(groupStack("west", 3));
        expect([groupAgain.changeSummary, warnings(groupAgain)]).toEqual([{ same: expect.any(Number) }, []]);
    });

    test("a group stack rotates its reader: the hub's next update switches istiod to it, nothing restarts, the old token stays till the next rotation", async () => {
        const tokens = `/api/v1/namespaces/istio-system/secrets`;
        const oldToken = `${tokens}/${remoteAccess.tokenSecret(meshId)}`;
        await south.apply({ ...groupStack("south", 4), remoteSecretRotation: "2026-12" });
        const reader = (await south.outputs()).groupExports.south.clusters[0].reader;
        const preview = await hub.previewOf(hubTopology(["west", "south"]));
        expect(warnings(preview)).toEqual([]);
        // (StackReferences are read on every run.)
        expect(preview.steps.filter((st) => !["same", "read"].includes(st.op)).map((st) => [st.op, st.urn.split("::").pop()])).toEqual([
            ["update", `south-remote-secret-${c(4)}`],
        ]);
        await hub.up();
        const secret = await live.get(1, `${tokens}/${remoteAccess.remoteSecret(clusterId(4))}`);
        const written = Buffer.from(secret.data[clusterId(4)], "base64").toString();
        expect(written).toContain(reader.match(/token: (\S+)/)[1]);
        expect((await istiodClusters())[clusterId(4)]).toBe("synced");
        expect(await live.get(4, oldToken)).toBeDefined();
    });

    test("destroying a group's stack while the hub reads it is refused with the fix, and nothing of it goes", async () => {
        // A preview that takes the cluster out of its group already says so.
        expect(warnings(await west.previewOf({ ...groupStack("west", 3), groups: [], gateways: [] }))).toEqual([
            `warning: cluster "${c(3)}": the hub stack "multinet-topology/${hub.name}/${meshId}" reads it, and this update takes it ` +
                `out of network "west"; the update will be refused, since the hub would lose the cluster; remove the group's ` +
                `NetworkGroupReference from the hub stack and run pulumi up there first`,
        ]);
        const r = await west.run(["destroy", "--yes", "--skip-preview"]);
        expect(r.code).not.toBe(0);
        expect(r.stdout + r.stderr).toContain(
            `cluster "${c(3)}": the hub stack "multinet-topology/${hub.name}/${meshId}" still reads this cluster`,
        );
        expect(r.stdout + r.stderr).toContain(
            "; remove the group's NetworkGroupReference from the hub stack and run pulumi up there first",
        );
        expect((await live.namespaceLabels(3))[labels.network]).toBe("west");
        expect(await live.get(3, "/api/v1/namespaces/istio-system/services/istio-eastwestgateway")).toBeDefined();
        expect((await networkGateways()).map((g) => g.network)).toContain("west");
    });

    test("the hub lets go first (its preview says the control plane restarts); then the group's stack goes", async () => {
        const t = hubTopology(["south"]);
        expect(warnings(await hub.previewOf(t))).toEqual([
            expect.stringMatching(/^warning: this update restarts the mesh control plane: network\(s\) "west" leave the interconnect/),
        ]);
        await hub.up();
        await eventually(async () => expect(Object.keys(await istiodClusters())).not.toContain(clusterId(3)), 30_000);
        expect(Object.keys(await live.meshNetworks())).not.toContain("west");
        const record = await live.get(3, `/api/v1/namespaces/istio-system/configmaps/${remoteAccess.hubRecord(meshId)}`);
        expect(record.metadata.annotations?.[annotations.hub]).toBeUndefined();
        await west.ok(["destroy", "--yes", "--skip-preview"]);
        expect(await live.managedObjects([3])).toEqual([]);
        expect((await live.namespaceLabels(3))[labels.network]).toBeUndefined();
        expect(errors(await south.previewOf(groupStack("south", 4)))).toEqual([]);
    });
});
