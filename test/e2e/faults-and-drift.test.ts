// Faults (a cluster lost mid-update, an unreachable control plane, a load balancer that never answers, a killed
// `pulumi up`) and drift (five kinds): each converges with the next `pulumi up`, nothing lost or duplicated.
import { pauseLoadBalancer, startClusterAgain, stopCluster } from "../../bed/bed";
import { eastWest, labels } from "../../core/names";
import { eventually, istiodStarts, settle } from "../helpers/istio";
import { killTree, startPulumi } from "../helpers/processes";
import { clusterName as c, errors, Live, Topology, TopologyStack, topologyProgram } from "../../bed/topology";

const live = new Live();
const ns = "/api/v1/namespaces/istio-system";

const topology: Topology = {
    meshId: "mesh-f",
    controlPlane: { cluster: c(1) },
    clusters: [{ name: c(1) }, { name: c(2) }, { name: c(3) }],
    groups: [
        { name: "east", clusters: [c(1), c(2)] },
        { name: "west", clusters: [c(3)] },
    ],
    gateways: [
        { name: "gw-east", group: "east", cluster: c(2), serviceAnnotations: { "example.com/lb": "external" } },
        { name: "gw-west", group: "west", cluster: c(3), addressTimeoutSeconds: 30 },
    ],
    interconnect: {
        members: [
            { group: "east", gateways: ["gw-east"] },
            { group: "west", gateways: ["gw-west"] },
        ],
    },
};

/** Waits until the running update has asked cluster-3's load balancer for `address` (and so waits on it). */
const gatewayRequested = (address: string) =>
    eventually(async () => expect((await live.get(3, `${ns}/services/${eastWest.name}`)).spec.loadBalancerIP).toBe(address), 60_000);

/** What the bed holds of ours: one of each object, no strays. */
const ourObjects = () => live.managedObjects([1, 2, 3]);

describe("faults", () => {
    const stack = new TopologyStack("faults");
    beforeAll(async () => {
        await stack.create(3);
        await stack.apply(topology);
    });
    afterAll(async () => {
        pauseLoadBalancer(false);
        await startClusterAgain(3).catch(() => undefined);
        await stack.remove();
    });

    test("a member cluster's API server stops in the middle of pulumi up; the next up converges", async () => {
        const expected = await ourObjects();
        pauseLoadBalancer(true); // hold the update on cluster-3's gateway while the server goes away
        // A new requested address keeps the update waiting on cluster-3 while its server goes away.
        await stack.setTopology({
            ...topology,
            gateways: [topology.gateways[0], { ...topology.gateways[1], replicas: 2, address: "203.0.113.95" }],
        });
        const running = stack.run(["up", "--yes", "--skip-preview"]);
        try {
            await gatewayRequested("203.0.113.95");
            await stopCluster(3);
        } finally {
            await running; // never leave an update running past the test
        }
        const failed = await running;
        expect(failed.code).not.toBe(0);
        expect(failed.stdout + failed.stderr).toContain(`cluster "cluster-3"`);
        await startClusterAgain(3);
        pauseLoadBalancer(false);
        await stack.apply({
            ...topology,
            gateways: [topology.gateways[0], { ...topology.gateways[1], replicas: 2, address: "203.0.113.95" }],
        });
        // The same objects, and the PodDisruptionBudget that two replicas bring.
        expect(await ourObjects()).toEqual([...expected, `${c(3)}/poddisruptionbudgets/${eastWest.name}`].sort());
        expect((await live.get(3, `/apis/apps/v1/namespaces/istio-system/deployments/${eastWest.name}`)).spec.replicas).toBe(2);
        expect(await live.get(3, `/apis/policy/v1/namespaces/istio-system/poddisruptionbudgets/${eastWest.name}`)).toBeDefined();
        expect((await live.meshNetworks()).west.gateways).toEqual([{ address: "203.0.113.95", port: 15443 }]);
        expect((await stack.preview()).changeSummary).toEqual({ same: expect.any(Number) });
    });

    test("the control-plane cluster is unreachable during preview: a clear error, nothing written elsewhere", async () => {
        const writes = [2, 3].map((n) => live.auditWrites(n));
        await stopCluster(1);
        try {
            const preview = await stack.previewOf({
                ...topology,
                gateways: [{ ...topology.gateways[0], replicas: 3 }, topology.gateways[1]],
            });
            expect(errors(preview).join("\n")).toContain(
                `cluster "cluster-1": cannot reach the API server at ${live.state.clusters[0].server}`,
            );
        } finally {
            await startClusterAgain(1);
        }
        expect([2, 3].map((n) => live.auditWrites(n))).toEqual(writes);
        await stack.setTopology(topology);
    });

    test("the load balancer never assigns an address: a helpful failure, then convergence once it does", async () => {
        pauseLoadBalancer(true);
        const t: Topology = {
            ...topology,
            gateways: [topology.gateways[0], { ...topology.gateways[1], addressTimeoutSeconds: 3 }],
            interconnect: undefined,
        };
        await live.send(3, "DELETE", `${ns}/services/${eastWest.name}`); // a fresh Service has no address yet
        await stack.ok(["refresh", "--yes", "--skip-preview"]);
        await stack.setTopology(t);
        const failed = await stack.run(["up", "--yes", "--skip-preview"]);
        expect(failed.code).not.toBe(0);
        const out = failed.stdout + failed.stderr;
        expect(out).toContain(`got no load-balancer address within 3 s`);
        // Advice that can work where no load balancer will come: node ports at an address the user gives.
        expect(out).toContain(`set serviceType: "NodePort" and requestedAddress to where other networks reach the nodes`);
        pauseLoadBalancer(false);
        await stack.apply(topology);
        expect((await live.get(3, `${ns}/services/${eastWest.name}`)).status.loadBalancer.ingress[0].ip).toMatch(/^203\.0\.113\./);
        expect(Object.keys(await live.meshNetworks()).sort()).toEqual(["east", "west"]);
    });

    test("a pulumi up killed mid-update, then the README's recovery steps, converges", async () => {
        const expected = await ourObjects();
        pauseLoadBalancer(true);
        // The new requested address holds the update (load balancer paused) until the kill.
        const target: Topology = {
            ...topology,
            gateways: [
                { ...topology.gateways[0], replicas: 2 },
                { ...topology.gateways[1], address: "203.0.113.96" },
            ],
        };
        await stack.setTopology(target);
        const child = startPulumi(topologyProgram, stack.name, ["up", "--yes", "--skip-preview"]);
        try {
            await gatewayRequested("203.0.113.96");
            expect(child.exitCode).toBeNull(); // still mid-update
        } finally {
            await killTree(child);
        }
        pauseLoadBalancer(false);
        await stack.ok(["cancel", "--yes"]).catch(() => undefined);
        await stack.ok(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
        await stack.up();
        expect(await ourObjects()).toEqual([...expected, `${c(2)}/poddisruptionbudgets/${eastWest.name}`].sort());
        expect((await live.get(2, `/apis/apps/v1/namespaces/istio-system/deployments/${eastWest.name}`)).spec.replicas).toBe(2);
        expect((await stack.preview()).changeSummary).toEqual({ same: expect.any(Number) });
    });
});

describe("drift: refresh reports it, up heals it, restarts only where the rules say", () => {
    const stack = new TopologyStack("drift");
    beforeAll(async () => {
        await stack.create(3);
        await stack.apply(topology);
    });
    afterAll(() => stack.remove());

    const rulePath = "/apis/networking.istio.io/v1/namespaces/istio-system/gateways/cross-network-gateway";
    const svcPath = `${ns}/services/${eastWest.name}`;
    // [drift, how to make it, how it must look healed, how many resources the preview updates (default 1)]
    const kinds: [string, () => Promise<unknown>, () => Promise<void>, number?][] = [
        [
            "Gateway Rule edited",
            () =>
                live.send(
                    1,
                    "PATCH",
                    rulePath,
                    {
                        spec: {
                            servers: [
                                {
                                    port: { number: 443, name: "tls", protocol: "TLS" },
                                    tls: { mode: "AUTO_PASSTHROUGH" },
                                    hosts: ["*.local"],
                                },
                            ],
                        },
                    },
                    "application/merge-patch+json",
                ),
            async () => expect((await live.get(1, rulePath)).spec.servers[0].port.number).toBe(15443),
        ],
        ["Gateway Rule deleted", () => live.send(1, "DELETE", rulePath), async () => expect(await live.get(1, rulePath)).toBeDefined()],
        [
            "network label changed",
            () => live.send(3, "PATCH", ns, { metadata: { labels: { [labels.network]: "rogue" } } }, "application/merge-patch+json"),
            async () => expect((await live.namespaceLabels(3))[labels.network]).toBe("west"),
        ],
        [
            "gateway Service annotation changed",
            () =>
                live.send(
                    2,
                    "PATCH",
                    `${ns}/services/${eastWest.name}`,
                    { metadata: { annotations: { "example.com/lb": "internal" } } },
                    "application/merge-patch+json",
                ),
            async () =>
                expect((await live.get(2, `${ns}/services/${eastWest.name}`)).metadata.annotations["example.com/lb"]).toBe("external"),
        ],
        [
            // The interconnect misses its entries, and group "west" its own: both heal.
            "meshNetworks edited by hand",
            () =>
                live.send(
                    1,
                    "PATCH",
                    `${ns}/configmaps/istio`,
                    { data: { meshNetworks: "networks:\n  east:\n    gateways: []\n" } },
                    "application/merge-patch+json",
                ),
            async () => expect(Object.keys(await live.meshNetworks()).sort()).toEqual(["east", "west"]),
            2,
        ],
        [
            "gateway Service turned into ClusterIP",
            () => live.send(2, "PATCH", svcPath, { spec: { type: "ClusterIP" } }, "application/merge-patch+json"),
            async () => {
                const svc = await live.get(2, svcPath);
                expect(svc.spec.type).toBe("LoadBalancer");
                expect((await stack.outputs()).addresses["gw-east"]).toBe(svc.status.loadBalancer.ingress[0].ip);
            },
        ],
        [
            "a gateway Service port removed",
            async () => {
                const svc = await live.get(2, svcPath);
                await live.send(2, "PUT", svcPath, {
                    ...svc,
                    spec: { ...svc.spec, ports: svc.spec.ports.filter((p: any) => p.port !== 15443) },
                });
            },
            async () => expect((await live.get(2, svcPath)).spec.ports.map((p: any) => p.port)).toContain(15443),
        ],
        [
            "the gateway's ServiceAccount deleted",
            () => live.send(2, "DELETE", `${ns}/serviceaccounts/${eastWest.serviceAccount}`),
            async () => expect(await live.get(2, `${ns}/serviceaccounts/${eastWest.serviceAccount}`)).toBeDefined(),
        ],
    ];

    test.each(kinds)("%s", async (_name, drift, healed, updates = 1) => {
        await drift();
        const refreshed = await stack.ok(["refresh", "--yes", "--skip-preview"]);
        expect(refreshed.stdout).toMatch(/updated/);
        const preview = await stack.preview();
        expect(preview.changeSummary?.update).toBe(updates);
        const starts = istiodStarts();
        await stack.up();
        await healed();
        await settle();
        expect(istiodStarts()).toBe(starts); // healing changes no membership: no restart
        expect((await stack.preview()).changeSummary).toEqual({ same: expect.any(Number) });
    });
});
