// Day two, proven through what istiod serves: istiod's reader credentials rotated without losing a request, a
// cluster gone for good let go, and a cluster rebuilt under its name converged by one update.
import * as fs from "fs";
import { auditOffset } from "../../bed/audit";
import { istiodDebug, replaceCluster, startClusterAgain, stopCluster } from "../../bed/bed";
import { kubeRequest } from "../../bed/kubeapi";
import { sample } from "../../bed/sample";
import { clusterName as c, eastWest, istioNs, joined, Live, Topology, TopologyStack, warnings } from "../../bed/topology";
import { annotations } from "../../core/names";
import { clusterId, eventually, istiodClusters, istiodStarts, networkGateways, settle, sidecarView, summarize } from "../helpers/istio";

const live = new Live();

const base = (meshId: string, clusters: number[], over: Partial<Topology> = {}): Topology => ({
    meshId,
    controlPlane: { cluster: c(1) },
    clusters: clusters.map((n) => ({ name: c(n), clusterId: clusterId(n) })),
    ...eastWest(),
    ...over,
});

describe("rotating istiod's reader credentials", () => {
    const stack = new TopologyStack("rotate");
    beforeAll(async () => {
        await stack.create(3);
        await stack.apply(base("mesh-rot", [1, 2, 3]));
        await settle();
    });
    afterAll(() => stack.remove());

    test("a new rotation makes a new token, switches istiod to it without losing a remote endpoint, then revokes the old one", async () => {
        const tokenPath = `${istioNs}/secrets/istio-reader-mesh-rot-token`;
        const oldToken = Buffer.from((await live.get(3, tokenPath)).data.token, "base64").toString();
        const westGateway = (await stack.outputs()).addresses["gw-west"];
        const rotated = base("mesh-rot", [1, 2, 3], { remoteSecretRotation: "2026-12" });

        // The preview says what it does, and that nothing restarts.
        const said = warnings(await stack.previewOf(rotated));
        expect(said).toEqual(
            [2, 3].map((n) =>
                expect.stringMatching(
                    new RegExp(
                        `^warning: the reader token istiod uses for cluster "cluster-${n}" rotates \\(\\"\\" to \\"2026-12\\"\\): .* Nothing restarts\\.$`,
                    ),
                ),
            ),
        );

        // A sidecar of east asks for west's Pods (through west's gateway) every 200 ms while the rotation runs.
        const seen: string[][] = [];
        let done = false;
        const probing = (async () => {
            while (!done) {
                seen.push(Object.keys(summarize(await sidecarView(2, "east")).gateways));
                await new Promise((r) => setTimeout(r, 200));
            }
        })();
        const starts = istiodStarts();
        const auditFrom = auditOffset(live.state.clusters[2].auditLog);
        try {
            await stack.up();
        } finally {
            done = true;
            await probing;
        }
        expect(seen.length).toBeGreaterThan(5);
        for (const gateways of seen) expect(gateways).toEqual([westGateway]);
        expect(await istiodClusters()).toEqual(Object.fromEntries([1, 2, 3].map((n) => [clusterId(n), "synced"])));
        await settle();
        expect(istiodStarts()).toBe(starts);

        // The remote secret holds the new token, and the old one is refused by the API server (its audit log says so).
        const secret = await live.get(1, `${istioNs}/secrets/istio-remote-secret-${c(3)}`);
        expect(secret.metadata.annotations[annotations.rotation]).toBe("2026-12");
        const kubeconfig = Buffer.from(secret.data[c(3)], "base64").toString();
        expect(kubeconfig).not.toContain(oldToken);
        expect(await live.get(3, tokenPath)).toBeUndefined();
        const cluster3 = live.state.clusters[2];
        // kube-apiserver caches a token's successful authentication for 10 s (TokenSuccessCacheTTL in
        // pkg/kubeapiserver/options/authentication.go), so the deleted token is refused within that.
        await eventually(async () => {
            const refused = await kubeRequest(
                { server: cluster3.server, ca: cluster3.ca ?? live.state.ca, token: oldToken },
                "GET",
                "/api/v1/namespaces",
            );
            expect(refused.status).toBe(401);
        }, 30_000);
        await eventually(async () => {
            const lines = fs.readFileSync(cluster3.auditLog).subarray(auditFrom).toString().split("\n");
            expect(lines.some((l) => l.includes('"requestURI":"/api/v1/namespaces"') && l.includes('"code":401'))).toBe(true);
        });

        // istiod reads the cluster with the new token: what appears there now, it sees.
        await live.send(3, "POST", `/api/v1/namespaces/${sample.namespace}/services`, {
            metadata: { name: "after-rotation" },
            spec: { ports: [{ port: 80 }] },
        });
        try {
            await eventually(async () => {
                const services: any[] = await istiodDebug("registryz");
                const found = services.find((s) => s.hostname === `after-rotation.${sample.namespace}.svc.cluster.local`);
                expect(Object.keys(found?.clusterVIPs?.Addresses ?? {})).toContain(clusterId(3));
            });
        } finally {
            await live.send(3, "DELETE", `/api/v1/namespaces/${sample.namespace}/services/after-rotation`);
        }
    });
});

describe("a cluster gone for good", () => {
    const stack = new TopologyStack("gone");
    const owner = () => `multinet-topology/${stack.name}/mesh-gone4`;
    const withSouth = base("mesh-gone4", [1, 2, 3, 4], {
        groups: [...base("", []).groups, { name: "south", clusters: [c(4)] }],
        gateways: [...base("", []).gateways, { name: "gw-south", group: "south", cluster: c(4) }],
        interconnect: joined("east", "west", "south"),
    });
    const withoutSouth = base("mesh-gone4", [1, 2, 3]);
    beforeAll(async () => {
        await stack.create(4);
        await stack.apply(withSouth);
    });
    afterAll(async () => {
        await startClusterAgain(4).catch(() => undefined);
        // What the skipped deletes left on the cluster that came back (nothing else of the stack is anywhere).
        for (const o of await live.managedObjects([4], owner())) {
            const [, resource, name] = o.split("/");
            const collection = {
                services: `${istioNs}/services`,
                serviceaccounts: `${istioNs}/serviceaccounts`,
                deployments: "/apis/apps/v1/namespaces/istio-system/deployments",
                secrets: `${istioNs}/secrets`,
                poddisruptionbudgets: "/apis/policy/v1/namespaces/istio-system/poddisruptionbudgets",
                clusterroles: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                clusterrolebindings: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            }[resource];
            if (collection) await live.send(4, "DELETE", `${collection}/${name}`);
        }
        await live.send(
            4,
            "PATCH",
            "/api/v1/namespaces/istio-system",
            {
                metadata: {
                    labels: {
                        "topology.istio.io/network": null,
                        "multinet.pulumi.io/mesh": null,
                        "multinet.pulumi.io/network-group": null,
                    },
                    annotations: { [annotations.owner]: null },
                },
            },
            "application/merge-patch+json",
        );
        await stack.remove();
    });

    test("without the opt-in, the update that drops it fails naming the cluster and how to let it go", async () => {
        await stopCluster(4);
        await stack.setTopology(withoutSouth);
        const r = await stack.run(["up", "--yes", "--skip-preview"]);
        expect(r.code).not.toBe(0);
        expect(r.stdout).toContain(`cluster "${c(4)}": cannot reach the API server at ${live.state.clusters[3].server}`);
        expect(r.stdout).toContain("If the cluster is gone for good, let it go: run again with PULUMI_MULTINET_DELETE_UNREACHABLE=true");
    });

    test("with PULUMI_MULTINET_DELETE_UNREACHABLE=true its objects are skipped, named, and everything on reachable clusters is cleaned: istiod forgets it", async () => {
        const r = await stack.run(["up", "--yes", "--skip-preview"], { PULUMI_MULTINET_DELETE_UNREACHABLE: "true" });
        expect(r.code).toBe(0);
        const out = r.stdout + r.stderr;
        expect(out).toContain(`warning: cluster "${c(4)}" cannot be reached; skipped deleting the east-west gateway`);
        expect(out).toContain(`warning: cluster "${c(4)}" cannot be reached; skipped deleting the reader access of mesh "mesh-gone4"`);
        expect(out).toContain(`warning: cluster "${c(4)}" cannot be reached; skipped deleting the network labels of group "south"`);
        expect(await live.get(1, `${istioNs}/secrets/istio-remote-secret-${c(4)}`)).toBeUndefined();
        await eventually(async () => expect(Object.keys(await istiodClusters()).sort()).toEqual([1, 2, 3].map(clusterId).sort()));
        expect(Object.keys(await live.meshNetworks()).sort()).toEqual(["east", "west"]);
        await eventually(async () => expect((await networkGateways()).map((g) => g.network)).toEqual(["east", "west"]));

        const destroyed = await stack.run(["destroy", "--yes", "--skip-preview"]);
        expect(destroyed.code).toBe(0);
        expect(await live.managedObjects([1, 2, 3], owner())).toEqual([]);
        expect(await live.meshNetworks()).toEqual({});
    });
});

describe("a cluster rebuilt under its name", () => {
    const stack = new TopologyStack("rebuilt");
    beforeAll(async () => {
        await stack.create(3);
        await stack.apply(base("mesh-rebuilt", [1, 2, 3]));
        await settle();
    });
    afterAll(() => stack.remove());

    test("one update converges it: its objects made again, the remote secret names the new server and CA, istiod syncs and serves it, nothing restarts", async () => {
        const before = await live.get(1, `${istioNs}/secrets/istio-remote-secret-${c(3)}`);
        const rebuilt = await replaceCluster(3, () => undefined);
        const fresh = new Live();
        expect(await fresh.managedObjects([3])).toEqual([]);
        const kubeconfigs = Object.fromEntries(
            fresh.state.clusters.slice(0, 3).map((cl) => [cl.name, fs.readFileSync(cl.kubeconfig, "utf8")]),
        );
        await stack.ok(["config", "set", "--secret", "kubeconfigs", "--", JSON.stringify(kubeconfigs)]);
        const starts = istiodStarts();
        const said = warnings(await stack.previewOf(base("mesh-rebuilt", [1, 2, 3])));
        expect(said.filter((w) => w.includes("restarts the mesh control plane"))).toEqual([]);
        await stack.up();
        await settle();
        expect(istiodStarts()).toBe(starts);

        const secret = await fresh.get(1, `${istioNs}/secrets/istio-remote-secret-${c(3)}`);
        const kubeconfig = Buffer.from(secret.data[c(3)], "base64").toString();
        expect(kubeconfig).toContain(`server: ${rebuilt.server}`);
        expect(kubeconfig).toContain(Buffer.from(rebuilt.ca!).toString("base64"));
        expect(kubeconfig).not.toEqual(Buffer.from(before.data[c(3)], "base64").toString());
        await eventually(async () => expect((await istiodClusters())[clusterId(3)]).toBe("synced"));
        expect(await fresh.managedObjects([3])).toEqual(
            expect.arrayContaining([`${c(3)}/services/istio-eastwestgateway`, `${c(3)}/secrets/istio-reader-mesh-rebuilt-token`]),
        );
        const westGateway = (await stack.outputs()).addresses["gw-west"];
        await eventually(async () => {
            expect((await networkGateways()).find((g) => g.network === "west")?.address).toBe(westGateway);
            expect(Object.keys(summarize(await sidecarView(2, "east")).gateways)).toEqual([westGateway]);
        });
    });
});
