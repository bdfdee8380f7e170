// Nothing lost, nothing orphaned, nobody overwritten: stacks racing for one cluster, an update killed at the
// worst moment, a create that fails half-way, a control plane moved or gone, a user who may read but not write.
import * as fs from "fs";
import { pauseLoadBalancer, readState } from "../../bed/bed";
import { istioMeshConfig, istiodDeployment } from "../../bed/seed";
import { joined, clusterName as c, errors, Live, Topology, TopologyStack, topologyProgram, warnings } from "../../bed/topology";
import { labels } from "../../core/names";
import { HoldingProxy } from "../helpers/holdingProxy";
import { clusterId, istiodStarts, settle } from "../helpers/istio";
import { killTree, startPulumi } from "../helpers/processes";

const live = new Live();
const ns = "/api/v1/namespaces/istio-system";

const clusters = [{ name: c(1), clusterId: clusterId(1) }, { name: c(2) }, { name: c(3) }];
const twoGroups = (meshId: string, over: Partial<Topology> = {}): Topology => ({
    meshId,
    controlPlane: { cluster: c(1) },
    clusters,
    groups: [
        { name: "east", clusters: [c(1), c(2)] },
        { name: "west", clusters: [c(3)] },
    ],
    gateways: [
        { name: "gw-east", group: "east", cluster: c(2) },
        { name: "gw-west", group: "west", cluster: c(3), address: "203.0.113.120" },
    ],
    ...over,
});
/** The ledgers on the mesh ConfigMap, by owner. */
async function ledgers(configMap = "istio"): Promise<Record<string, any>> {
    const cm = await live.get(1, `${ns}/configmaps/${configMap}`);
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(cm?.metadata.annotations ?? {})) {
        if (k.startsWith("multinet.pulumi.io/ledger.")) {
            const l = JSON.parse(String(v));
            out[l.owner] = l;
        }
    }
    return out;
}

/** Objects of ours on the three clusters these tests use. */
const ours = (owner?: string) => live.managedObjects([1, 2, 3], owner);

describe("stacks that race for the same cluster: the API server refuses the second writer", () => {
    test("two meshes put one cluster in a group at once: one wins, the other is refused naming the owner", async () => {
        // The install gives Pods no network: a cluster claimed by two meshes cannot follow both.
        const a = new TopologyStack("race-a", "no network");
        const b = new TopologyStack("race-b", "no network");
        try {
            await a.create(3);
            await b.create(3);
            // Same control plane, so both pass their previews; each claims cluster-3 for its own mesh.
            const mesh = (id: string) => ({
                ...twoGroups(id),
                groups: [{ name: `${id}-net`, clusters: [c(3)] }],
                gateways: [],
                remoteSecrets: "external" as const,
            });
            await a.setTopology(mesh("race-a"));
            await b.setTopology(mesh("race-b"));
            const [ra, rb] = await Promise.all([a.run(["up", "--yes", "--skip-preview"]), b.run(["up", "--yes", "--skip-preview"])]);
            expect([ra.code, rb.code].filter((code) => code === 0)).toHaveLength(1);
            const [winner, loser, lost] = ra.code === 0 ? [a, b, rb] : [b, a, ra];
            const winnerOwner = `multinet-topology/${winner.name}/${winner === a ? "race-a" : "race-b"}`;
            expect(lost.stdout + lost.stderr).toContain(winnerOwner);
            const nsLabels = await live.namespaceLabels(3);
            expect(nsLabels[labels.mesh]).toBe(winner === a ? "race-a" : "race-b");
            const loserState = JSON.parse(await loser.exportState());
            expect(loserState.deployment.resources.filter((r: any) => r.type.endsWith("multinet:NetworkGroup"))).toEqual([]);
        } finally {
            await a.remove();
            await b.remove();
        }
    });

    test("two MultiNetworkings in one program that share a cluster: the second group is refused, not silently relabelled", async () => {
        const stack = new TopologyStack("two-meshes", "no network");
        // The second mesh's control plane runs on cluster-3: Istio as if installed there too.
        await live.installControlPlane(3);
        try {
            await stack.create(3);
            const t: Topology = {
                ...twoGroups("mesh-one"),
                interconnect: undefined,
                otherMeshes: [
                    {
                        ...twoGroups("mesh-two"),
                        controlPlane: { cluster: c(3) },
                        clusters: [{ name: c(1) }, { name: c(2) }, { name: c(3) }],
                        groups: [{ name: "two-net", clusters: [c(3)] }],
                        gateways: [],
                        remoteSecrets: "external",
                    },
                ],
            };
            await stack.setTopology(t);
            const up = await stack.run(["up", "--yes", "--skip-preview"]);
            expect(up.code).not.toBe(0);
            expect(up.stdout + up.stderr).toMatch(/held by another stack or mesh|already belongs to network group/);
            // One mesh holds cluster-3 whole: its group label, its mesh label, its owner annotation.
            const { labels: nsLabels, annotations } = (await live.get(3, ns)).metadata;
            expect(nsLabels[labels.networkGroup]).toBe(nsLabels[labels.mesh] === "mesh-one" ? "west" : "two-net");
            expect(annotations["multinet.pulumi.io/owner"]).toBe(`multinet-topology/${stack.name}/${nsLabels[labels.mesh]}`);
        } finally {
            await stack.remove();
            await live.removeControlPlane(3);
        }
    });
});

describe("an update killed while it restarts the control plane: recovery restarts it exactly once", () => {
    let proxy: HoldingProxy;
    const stack = new TopologyStack("restart-once");
    beforeAll(async () => {
        proxy = await HoldingProxy.start(1);
        const state = readState()!;
        const kubeconfigs = Object.fromEntries(state.clusters.slice(0, 3).map((cl) => [cl.name, fs.readFileSync(cl.kubeconfig, "utf8")]));
        kubeconfigs[c(1)] = kubeconfigs[c(1)].replace(/server: .*/, `server: ${proxy.server}`);
        await stack.init({ kubeconfigs: { value: JSON.stringify(kubeconfigs), secret: true } });
        await stack.apply(twoGroups("mesh-ro", { interconnect: joined("east") }));
        await settle(); // its restart counted before the tests count theirs
    });
    afterAll(async () => {
        proxy.holding(() => false);
        await stack.remove();
        await proxy.stop();
    });

    const recover = async () => {
        await stack.ok(["cancel", "--yes"]).catch(() => undefined);
        await stack.ok(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
    };
    const owner = () => `multinet-topology/${stack.name}/mesh-ro`;

    test("killed before the restart reached istiod: the ledger owes it, the preview says so, up does it once", async () => {
        const starts = istiodStarts();
        await stack.setTopology(twoGroups("mesh-ro", { interconnect: joined("east", "west") }));
        proxy.holding((method, path) => method === "PATCH" && path.includes("/deployments/istiod"));
        const up = startPulumi(topologyProgram, stack.name, ["up", "--yes", "--skip-preview"]);
        try {
            await proxy.whenHeld();
        } finally {
            await killTree(up); // held or not: no update may run on past this test
            proxy.holding(() => false);
        }
        expect(Object.keys((await ledgers())[owner()].joined).sort()).toEqual(["east", "west"]);
        expect((await ledgers())[owner()].restart).toBeDefined();
        await settle();
        expect(istiodStarts()).toBe(starts);

        await recover();
        const said = warnings(await stack.preview()).filter((w) => w.includes("restarts the mesh control plane"));
        expect(said).toHaveLength(1);
        await stack.up();
        await settle();
        expect(istiodStarts()).toBe(starts + 1);
        expect((await ledgers())[owner()].restart).toBeUndefined();
        expect(warnings(await stack.preview())).toEqual([]);
    });

    test("killed after the restart, before it was recorded done: recovery does not restart again", async () => {
        const starts = istiodStarts();
        await stack.setTopology(twoGroups("mesh-ro", { interconnect: joined("east") }));
        let patchedIstiod = false;
        proxy.holding((method, path) => {
            if (method === "PATCH" && path.includes("/deployments/istiod")) patchedIstiod = true;
            else if (patchedIstiod && method === "PATCH" && path.includes("/configmaps/istio")) return true;
            return false;
        });
        const up = startPulumi(topologyProgram, stack.name, ["up", "--yes", "--skip-preview"]);
        try {
            await proxy.whenHeld();
        } finally {
            await killTree(up);
            proxy.holding(() => false);
        }
        await settle();
        expect(istiodStarts()).toBe(starts + 1);
        expect((await ledgers())[owner()].restart).toBeDefined();

        await recover();
        expect(warnings(await stack.preview())).toEqual([]);
        await stack.up();
        await settle();
        expect(istiodStarts()).toBe(starts + 1);
        expect((await ledgers())[owner()].restart).toBeUndefined();
    });
});

describe("nothing outlives the stack", () => {
    test("a gateway whose create fails (no load-balancer address) takes back what it wrote; destroy finds nothing left", async () => {
        const stack = new TopologyStack("orphans");
        try {
            await stack.create(3);
            pauseLoadBalancer(true);
            await stack.setTopology({
                ...twoGroups("mesh-orph"),
                gateways: [{ name: "gw-east", group: "east", cluster: c(2), addressTimeoutSeconds: 2 }],
            });
            const up = await stack.run(["up", "--yes", "--skip-preview"]);
            expect(up.code).not.toBe(0);
            expect(up.stdout + up.stderr).toContain("got no load-balancer address within 2 s");
            const owner = `multinet-topology/${stack.name}/mesh-orph`;
            expect((await ours(owner)).filter((o) => o.startsWith(`${c(2)}/`) && !o.includes("istio-reader"))).toEqual([]);
            pauseLoadBalancer(false);
            const destroyed = await stack.run(["destroy", "--yes", "--skip-preview"]);
            expect(destroyed.code).toBe(0);
            expect(await ours(owner)).toEqual([]);
        } finally {
            pauseLoadBalancer(false);
            await stack.remove();
        }
    });
});

describe("the control plane moves or goes", () => {
    test("a new controlPlane.configMap moves the entries there with one restart, as the preview says", async () => {
        const stack = new TopologyStack("cm-move");
        await live.send(1, "POST", `${ns}/configmaps`, {
            ...istioMeshConfig,
            metadata: { ...istioMeshConfig.metadata, name: "istio-canary" },
        });
        try {
            await stack.create(3);
            const before = twoGroups("mesh-cm", { interconnect: joined("east", "west") });
            await stack.apply(before);
            await settle(); // its restart counted before this test counts its own
            const moved = { ...before, controlPlane: { ...before.controlPlane, configMap: "istio-canary" } } as Topology;
            const starts = istiodStarts();
            const preview = await stack.previewOf(moved);
            const said = warnings(preview).filter((w) => w.includes("restarts the mesh control plane"));
            expect(said).toHaveLength(1);
            expect(preview.steps.filter((s) => s.op === "replace" || s.op === "create-replacement")).toEqual([]);
            await stack.up();
            await settle();
            expect(istiodStarts()).toBe(starts + 1);
            const owner = `multinet-topology/${stack.name}/mesh-cm`;
            expect((await ledgers("istio"))[owner]).toBeUndefined();
            expect(Object.keys((await ledgers("istio-canary"))[owner].joined).sort()).toEqual(["east", "west"]);
            expect((await live.meshConfigMap()).data.meshNetworks ?? "").not.toContain("east");
        } finally {
            await stack.remove();
            await live.send(1, "DELETE", `${ns}/configmaps/istio-canary`);
        }
    });

    test("destroy completes when Istio is already gone, saying what it skipped", async () => {
        const stack = new TopologyStack("istio-gone");
        try {
            await stack.create(3);
            await stack.apply(twoGroups("mesh-gone", { interconnect: joined("east", "west") }));
            await live.send(1, "DELETE", `${ns}/configmaps/istio`);
            await live.send(1, "DELETE", "/apis/apps/v1/namespaces/istio-system/deployments/istiod");
            const destroyed = await stack.run(["destroy", "--yes", "--skip-preview"]);
            expect(destroyed.code).toBe(0);
            expect(destroyed.stdout + destroyed.stderr).toContain("ConfigMap istio-system/istio is gone");
            expect(await ours(`multinet-topology/${stack.name}/mesh-gone`)).toEqual([]);
            expect((await live.namespaceLabels(3))[labels.network]).toBeUndefined();
        } finally {
            if (!(await live.get(1, `${ns}/configmaps/istio`))) await live.send(1, "POST", `${ns}/configmaps`, istioMeshConfig);
            if (!(await live.get(1, "/apis/apps/v1/namespaces/istio-system/deployments/istiod"))) {
                await live.send(1, "POST", "/apis/apps/v1/namespaces/istio-system/deployments", istiodDeployment(clusterId(1)));
            }
            await stack.remove();
        }
    });
});

describe("a meshNetworks broken by hand", () => {
    test("is refused at preview naming the ConfigMap and the cluster, not with a parser's message; nothing is written", async () => {
        const stack = new TopologyStack("broken-mn");
        const original = (await live.meshConfigMap()).data.meshNetworks;
        await live.send(
            1,
            "PATCH",
            `${ns}/configmaps/istio`,
            { data: { meshNetworks: "networks:\n  - east\n" } },
            "application/merge-patch+json",
        );
        try {
            await stack.create(3);
            const writes = [1, 2, 3].map((n) => live.auditWrites(n));
            const message = errors(await stack.previewOf(twoGroups("mesh-broken"))).join("\n");
            expect(message).toContain(`cluster "${c(1)}": ConfigMap istio-system/istio: the meshNetworks text has "networks" as a list`);
            expect(message).toContain("kubectl -n istio-system edit configmap istio");
            expect([1, 2, 3].map((n) => live.auditWrites(n))).toEqual(writes);
        } finally {
            await live.send(
                1,
                "PATCH",
                `${ns}/configmaps/istio`,
                { data: { meshNetworks: original ?? null } },
                "application/merge-patch+json",
            );
            await stack.remove();
        }
    });
});

describe("permissions are checked at preview", () => {
    test("a user who may read but not write is refused at preview, naming what to grant; nothing is written anywhere", async () => {
        const stack = new TopologyStack("read-only");
        // Read everything, write nothing (the bed has no controller to fill the aggregated "view" role).
        const rbac = "/apis/rbac.authorization.k8s.io/v1";
        await live.send(2, "POST", `${rbac}/clusterroles`, {
            metadata: { name: "multinet-test-reader" },
            rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] }],
        });
        await live.send(2, "POST", `${rbac}/clusterrolebindings`, {
            metadata: { name: "multinet-test-reader" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "multinet-test-reader" },
            subjects: [{ kind: "User", name: "viewer", apiGroup: "rbac.authorization.k8s.io" }],
        });
        try {
            const state = readState()!;
            const kubeconfigs = Object.fromEntries(
                state.clusters.slice(0, 3).map((cl) => [cl.name, fs.readFileSync(cl.kubeconfig, "utf8")]),
            );
            kubeconfigs[c(2)] = fs.readFileSync(state.clusters[1].viewerKubeconfig, "utf8");
            await stack.init({ kubeconfigs: { value: JSON.stringify(kubeconfigs), secret: true } });
            const writes = [1, 2, 3].map((n) => live.auditWrites(n));
            const message = errors(await stack.previewOf(twoGroups("mesh-perm", { interconnect: joined("east", "west") }))).join("\n");
            expect(message).toContain(`cluster "${c(2)}": the kubeconfig's user lacks permission to patch namespaces (cluster-scoped)`);
            expect(message).toContain(`(see the README's "Permissions")`);
            expect([1, 2, 3].map((n) => live.auditWrites(n))).toEqual(writes);
        } finally {
            await live.send(2, "DELETE", `${rbac}/clusterrolebindings/multinet-test-reader`);
            await live.send(2, "DELETE", `${rbac}/clusterroles/multinet-test-reader`);
            await stack.remove();
        }
    });
});
