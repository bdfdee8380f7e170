// Clusters istiod can read: the remote secrets the package makes (as `istioctl create-remote-secret` would),
// what istiod does with them, and the preview's warnings when the platform is left to make them.
import * as fs from "fs";
import { eventually, istiodClusters, istiodStarts, settle } from "../helpers/istio";
import { clusterName as c, Live, Topology, TopologyStack, warnings } from "../../bed/topology";
import { annotations } from "../../core/names";

const live = new Live();
const ns = "/api/v1/namespaces/istio-system";
const remoteSecret = (n: number) => `${ns}/secrets/istio-remote-secret-${c(n)}`;

const topology = (clusters: number[], over: Partial<Topology> = {}): Topology => ({
    meshId: "mesh-disc",
    controlPlane: { cluster: c(1) },
    clusters: clusters.map((n) => ({ name: c(n) })),
    groups: [],
    gateways: [],
    ...over,
});

const readerObjects = (n: number) =>
    Promise.all([
        live.get(n, `${ns}/serviceaccounts/istio-reader-service-account`),
        live.get(n, "/apis/rbac.authorization.k8s.io/v1/clusterroles/multinet-istio-reader-mesh-disc"),
        live.get(n, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/multinet-istio-reader-mesh-disc"),
        live.get(n, `${ns}/secrets/istio-reader-mesh-disc-token`),
    ]);

describe("remote secrets, managed (the default)", () => {
    const stack = new TopologyStack("disc");
    beforeAll(() => stack.create(4));
    afterAll(() => stack.remove());

    test("every declared cluster is read by istiod, through a remote secret like istioctl's; istiod does not restart", async () => {
        const starts = istiodStarts();
        await stack.apply(topology([1, 2, 3]));
        await eventually(async () => expect(await istiodClusters()).toEqual({ [c(1)]: "synced", [c(2)]: "synced", [c(3)]: "synced" }));
        const secret = await live.get(1, remoteSecret(2));
        expect(secret.metadata.labels["istio/multiCluster"]).toBe("true");
        expect(secret.metadata.annotations["networking.istio.io/cluster"]).toBe(c(2));
        const kubeconfig = Buffer.from(secret.data[c(2)], "base64").toString("utf8");
        expect(kubeconfig).toContain(`server: ${live.state.clusters[1].server}`);
        expect(kubeconfig).toMatch(/token: \S+/);
        expect(kubeconfig).not.toMatch(/exec:|tokenFile|client-key/);
        expect((await readerObjects(2)).every((o) => o !== undefined)).toBe(true);
        expect(await live.get(1, `${ns}/secrets/istio-reader-mesh-disc-token`)).toBeUndefined(); // none for the control plane's own cluster
        expect((await stack.outputs()).gatewayRule).toBe("istio-system/cross-network-gateway");
        await settle();
        expect(istiodStarts()).toBe(starts);
    });

    test("a cluster removed from the program loses its remote secret and reader access, and istiod drops it without a restart", async () => {
        const said = warnings(await stack.previewOf(topology([1, 2])));
        expect(said).toEqual([]);
        const starts = istiodStarts();
        await stack.apply(topology([1, 2]));
        expect(await live.get(1, remoteSecret(3))).toBeUndefined();
        expect(await readerObjects(3)).toEqual([undefined, undefined, undefined, undefined]);
        await eventually(async () => expect(await istiodClusters()).toEqual({ [c(1)]: "synced", [c(2)]: "synced" }));
        await settle();
        expect(istiodStarts()).toBe(starts);
    });

    test("a remote secret deleted by hand is seen by refresh and made again by up", async () => {
        await live.send(1, "DELETE", remoteSecret(2));
        await eventually(async () => expect(Object.keys(await istiodClusters())).toEqual([c(1)]));
        await stack.ok(["refresh", "--yes", "--skip-preview"]);
        expect((await stack.preview()).changeSummary?.update).toBe(1);
        await stack.up();
        await eventually(async () => expect(await istiodClusters()).toEqual({ [c(1)]: "synced", [c(2)]: "synced" }));
    });

    test("destroy removes every remote secret and reader access it made", async () => {
        await stack.ok(["destroy", "--yes", "--skip-preview"]);
        expect(await live.get(1, remoteSecret(2))).toBeUndefined();
        expect(await readerObjects(2)).toEqual([undefined, undefined, undefined, undefined]);
        await eventually(async () => expect(Object.keys(await istiodClusters())).toEqual([c(1)]));
    });
});

describe("remote secrets left to the platform", () => {
    test("none is made, and the preview names each cluster istiod cannot read until one exists", async () => {
        const stack = new TopologyStack("disc-ext");
        try {
            await stack.create(4);
            const external = topology([1, 2, 3], { remoteSecrets: "external" });
            const said = warnings(await stack.previewOf(external));
            expect(said).toHaveLength(2);
            expect(said[0]).toContain(
                `cluster "${c(2)}" (Istio cluster ID "${c(2)}") has no remote secret on the control-plane cluster "${c(1)}"`,
            );
            expect(said[1]).toContain(`cluster "${c(3)}"`);
            await stack.up();
            expect(await live.get(1, remoteSecret(2))).toBeUndefined();
            expect(await live.get(2, `${ns}/secrets/istio-reader-mesh-disc-token`)).toBeUndefined();

            // The platform makes one (any name; istiod and the preview look at the label and the key).
            const kubeconfig = Buffer.from(fs.readFileSync(live.state.clusters[1].kubeconfig)).toString("base64");
            await live.send(1, "POST", `${ns}/secrets`, {
                metadata: { name: "platform-made", labels: { "istio/multiCluster": "true" } },
                data: { [c(2)]: kubeconfig },
            });
            try {
                const now = warnings(await stack.preview());
                expect(now).toHaveLength(1);
                expect(now[0]).toContain(`cluster "${c(3)}"`);
                await eventually(async () => expect(Object.keys(await istiodClusters()).sort()).toEqual([c(1), c(2)]));
            } finally {
                await live.send(1, "DELETE", `${ns}/secrets/platform-made`);
            }
        } finally {
            await stack.remove();
        }
    });
});

describe("two meshes read one cluster", () => {
    test("they share its reader ServiceAccount, which stays while a mesh still reads the cluster and goes with the last", async () => {
        const a = new TopologyStack("disc-a");
        const b = new TopologyStack("disc-b");
        const serviceAccount = `${ns}/serviceaccounts/istio-reader-service-account`;
        const token = (mesh: string) => live.get(2, `${ns}/secrets/istio-reader-${mesh}-token`);
        // Mesh b's control plane is declared on cluster-3, where the bed has its objects but runs no istiod: its
        // program does not wait for one (skipAwait), as a program for an unreachable control plane would not.
        await live.installControlPlane(3);
        try {
            await a.create(4);
            await b.create(4);
            await a.apply(topology([1, 2], { meshId: "mesh-a" }));
            await b.apply(topology([3, 2], { meshId: "mesh-b", controlPlane: { cluster: c(3) }, skipAwait: true }));
            expect((await live.get(2, serviceAccount)).metadata.annotations[annotations.owner]).toBe(`multinet-topology/${a.name}/mesh-a`);
            expect((await token("mesh-b")).data.token).toEqual(expect.any(String));

            await a.ok(["destroy", "--yes", "--skip-preview"]);
            expect(await token("mesh-a")).toBeUndefined();
            expect(await live.get(2, serviceAccount)).toBeDefined();
            expect((await token("mesh-b")).data.token).toEqual(expect.any(String));

            await b.ok(["destroy", "--yes", "--skip-preview"]);
            expect(await token("mesh-b")).toBeUndefined();
            expect(await live.get(2, serviceAccount)).toBeUndefined();
        } finally {
            await a.remove();
            await b.remove();
            await live.removeControlPlane(3);
        }
    });
});
