// What users met on real installs, reproduced on the bed with what those installs carry, and proven through what
// istiod serves: an injector that gives Pods a network of its own, a loopback API server, an API server address its
// certificate does not name, istiod on Istio's default cluster ID, a meshNetworks entry written by hand, and a
// cluster without a load balancer.
import * as fs from "fs";
import { BedCluster, pauseLoadBalancer } from "../../bed/bed";
import { sample } from "../../bed/sample";
import { clusterName as c, eastWest, errors, istioNs, Live, Topology, TopologyStack, warnings } from "../../bed/topology";
import { clusterId, eventually, networkGateways, sidecarView, summarize } from "../helpers/istio";

const live = new Live();
const writesEverywhere = () => [1, 2, 3, 4].map((n) => live.auditWrites(n));
const host = (n: number) => new URL(live.state.clusters[n - 1].server).hostname;
const port = (n: number) => new URL(live.state.clusters[n - 1].server).port;

const base = (over: Partial<Topology> = {}): Topology => ({
    meshId: "mesh-real",
    controlPlane: { cluster: c(1) },
    clusters: [1, 2, 3].map((n) => ({ name: c(n), clusterId: clusterId(n) })),
    ...eastWest(),
    ...over,
});

describe("the injector's network decides, as in installs made by Istio's multi-network guide", () => {
    // The install is as the test sets it, not made to follow the groups.
    const stack = new TopologyStack("real-inj", "as is");
    const samplePods = ["a", "b"].map((x) => `/api/v1/namespaces/${sample.namespace}/pods/${sample.service}-v1-${x}`);
    const labelSamplePods = (n: number, network: string | null) =>
        Promise.all(
            samplePods.map((p) =>
                live.send(
                    n,
                    "PATCH",
                    p,
                    { metadata: { labels: { "topology.istio.io/network": network } } },
                    "application/merge-patch+json",
                ),
            ),
        );
    beforeAll(async () => {
        await stack.create(4);
        await live.setInjectionNetwork(1, "east");
        await live.setInjectionNetwork(2, "east");
        // The report: "west-1" was installed with network "network2", and its Pods carry it.
        await live.setInjectionNetwork(3, "network2");
        await labelSamplePods(3, "network2");
    });
    afterAll(async () => {
        await stack.remove();
        await labelSamplePods(3, null);
        await live.setInjectorValuesNetwork("");
        for (const n of [1, 2, 3, 4]) await live.setInjectionNetwork(n, undefined);
    });

    test("a group the install contradicts is refused at preview, naming both networks and the fix; nothing is written", async () => {
        const before = writesEverywhere();
        const message = errors(await stack.previewOf(base())).join("\n");
        expect(message).toContain(
            `NetworkGroup "west": the sidecar injector of cluster "${c(3)}" gives its Pods network "network2" ` +
                `(MutatingWebhookConfiguration istio-sidecar-injector (path /inject/cluster/${c(3)}/net/network2)), not the group's "west"`,
        );
        expect(message).toContain(`name the group after the install's network ("network2"), or change the install of "${c(3)}"`);
        expect(writesEverywhere()).toEqual(before);
    });

    test("the group named after the install's network is accepted, and istiod serves its Pods only through its gateway", async () => {
        const t = base({ groups: [base().groups[0], { name: "west", networkName: "network2", clusters: [c(3)] }] });
        expect(errors(await stack.previewOf(t))).toEqual([]);
        await stack.apply(t);
        const addresses = (await stack.outputs()).addresses;
        await eventually(async () => {
            const view = summarize(await sidecarView(2, "east"));
            expect(view.direct).toEqual(["10.1.0.10", "10.1.0.11", "10.2.0.10", "10.2.0.11"]);
            expect(Object.keys(view.gateways)).toEqual([addresses["gw-west"]]);
        });
    });

    test("values.global.network on the control plane is what its own Pods and the remote clusters without a path network get", async () => {
        await live.setInjectionNetwork(1, undefined);
        await live.setInjectionNetwork(2, undefined);
        await live.setInjectorValuesNetwork("network1");
        const message = errors(
            await stack.previewOf(base({ groups: [base().groups[0], { name: "west", networkName: "network2", clusters: [c(3)] }] })),
        ).join("\n");
        expect(message).toContain(
            `the sidecar injector of cluster "${c(1)}" gives its Pods network "network1" (ConfigMap istio-system/istio-sidecar-injector values.global.network), not the group's "east"`,
        );
        expect(message).toContain(
            `the sidecar injector of cluster "${c(2)}" gives its Pods network "network1" (ConfigMap istio-system/istio-sidecar-injector values.global.network on the control-plane cluster "${c(1)}"), not the group's "east"`,
        );
        await live.setInjectorValuesNetwork("");
        await live.setInjectionNetwork(1, "east");
        await live.setInjectionNetwork(2, "east");
    });

    test("a move says what really changes: with the injector changed first, the workloads must restart; without a network from the injector, nothing restarts, and the preview says what its sidecars get", async () => {
        const moved = base({
            groups: [
                { name: "east", clusters: [c(2)] },
                { name: "west", networkName: "network2", clusters: [c(3), c(1)] },
            ],
        });
        // Refused while cluster-1's install still gives "east".
        expect(errors(await stack.previewOf(moved)).join("\n")).toContain(
            `the sidecar injector of cluster "${c(1)}" gives its Pods network "east"`,
        );
        await live.setInjectionNetwork(1, "network2");
        expect(warnings(await stack.previewOf(moved))).toEqual([
            expect.stringMatching(
                /^warning: cluster "cluster-1" moves from network "east" to "network2": its injector gives new Pods "network2", but Pods injected before keep "east" .* Restart the workloads on "cluster-1"/,
            ),
        ]);
        await live.setInjectionNetwork(1, undefined);
        expect(warnings(await stack.previewOf(moved))).toEqual([
            expect.stringMatching(
                /^warning: cluster "cluster-1" takes network "network2", but its sidecar injector gives Pods no network: their sidecars have no network/,
            ),
        ]);
    });
});

describe("remote secrets istiod can use", () => {
    const stack = new TopologyStack("real-rs");
    const loopback = (cl: BedCluster) => fs.readFileSync(cl.kubeconfig, "utf8").replace(`https://${host(cl.index)}:`, "https://127.0.0.1:");
    beforeAll(() => stack.create(3, loopback));
    afterAll(() => stack.remove());
    const groupless = (clusters: Topology["clusters"]): Topology => ({
        ...base(),
        clusters,
        groups: [],
        gateways: [],
        interconnect: undefined,
    });

    test("a loopback API server is warned about at preview, naming remoteSecretServer; an address the control plane reaches is not", async () => {
        const said = warnings(await stack.previewOf(groupless(base().clusters)));
        expect(said).toEqual(
            [2, 3].map((n) =>
                expect.stringMatching(
                    new RegExp(
                        `^warning: cluster "cluster-${n}": its kubeconfig's API server https://127\\.0\\.0\\.1:${port(n)} is a loopback address, which istiod in a Pod of the control-plane cluster cannot reach .* Set remoteSecretServer on "cluster-${n}"`,
                    ),
                ),
            ),
        );
        const reachable = base().clusters.map((cl, i) =>
            i === 0 ? cl : { ...cl, remoteSecretServer: `https://${host(i + 1)}:${port(i + 1)}` },
        );
        expect(warnings(await stack.previewOf(groupless(reachable)))).toEqual([]);
        await stack.apply(groupless(reachable));
        const secret = await live.get(1, `${istioNs}/secrets/istio-remote-secret-${c(2)}`);
        expect(Buffer.from(secret.data[c(2)], "base64").toString()).toContain(`server: https://${host(2)}:${port(2)}`);
    });

    test("an API server address its certificate does not name fails before istiod is handed it, naming the reason and remoteSecretServer", async () => {
        const reachable = base().clusters.map((cl, i) =>
            i === 0 ? cl : { ...cl, remoteSecretServer: `https://${host(i + 1)}:${port(i + 1)}` },
        );
        const unnamed = reachable.map((cl, i) => (i === 2 ? { ...cl, remoteSecretServer: `https://127.0.0.2:${port(3)}` } : cl));
        await stack.setTopology(groupless(unnamed));
        const failed = await stack.run(["up", "--yes", "--skip-preview"]);
        expect(failed.code).not.toBe(0);
        expect(failed.stdout).toMatch(
            /istiod could not trust the API server at https:\/\/127\.0\.0\.2:\d+ for the remote secret of "cluster-3": with the reader token Secret's ca\.crt: .*(altnames|IP: 127\.0\.0\.2)/,
        );
        expect(failed.stdout).toContain("Set remoteSecretServer to an address its certificate names");
        // istiod keeps the secret it could use.
        const secret = await live.get(1, `${istioNs}/secrets/istio-remote-secret-${c(3)}`);
        expect(Buffer.from(secret.data[c(3)], "base64").toString()).toContain(`server: https://${host(3)}:${port(3)}`);
    });
});

describe("rules that a read finds are refused at preview, never in the middle of an update", () => {
    const stack = new TopologyStack("real-rules");
    const deployment = "/apis/apps/v1/namespaces/istio-system/deployments/istiod";
    const setClusterId = async (value: string) => {
        const d = await live.get(1, deployment);
        d.spec.template.spec.containers[0].env = d.spec.template.spec.containers[0].env.map((e: any) =>
            e.name === "CLUSTER_ID" ? { ...e, value } : e,
        );
        await live.send(1, "PUT", deployment, d);
    };
    beforeAll(() => stack.create(3));
    afterAll(async () => {
        await stack.remove();
        await setClusterId(clusterId(1));
    });

    test('istiod on Istio\'s default cluster ID "Kubernetes": the preview says to declare it, and then takes it', async () => {
        await setClusterId("Kubernetes");
        const message = errors(await stack.previewOf(base())).join("\n");
        expect(message).toContain(`runs with CLUSTER_ID "Kubernetes"`);
        expect(message).toContain(`set clusterId: "Kubernetes" on cluster "${c(1)}"`);
        const declared = base({ clusters: [{ name: c(1), clusterId: "Kubernetes" }, ...base().clusters.slice(1)] });
        expect(errors(await stack.previewOf(declared))).toEqual([]);
        await setClusterId(clusterId(1));
    });

    test("a meshNetworks entry written by hand with a group's network is refused at preview; nothing is written anywhere", async () => {
        const cm = `${istioNs}/configmaps/istio`;
        await live.send(
            1,
            "PATCH",
            cm,
            { data: { meshNetworks: "networks:\n  west:\n    gateways:\n    - address: 198.51.100.9\n      port: 15443\n" } },
            "application/merge-patch+json",
        );
        try {
            const before = writesEverywhere();
            const message = errors(await stack.previewOf(base())).join("\n");
            expect(message).toContain(
                `NetworkGroup "west": meshNetworks in ConfigMap istio-system/istio already has an entry for network "west" (not by pulumi-multinet); it is not overwritten`,
            );
            expect(writesEverywhere()).toEqual(before);
        } finally {
            await live.send(1, "PATCH", cm, { data: { meshNetworks: null } }, "application/merge-patch+json");
        }
    });

    test("objects another owner made (a gateway Service) are refused at preview, not half-way through the update", async () => {
        const svc = `${istioNs}/services/istio-eastwestgateway`;
        await live.send(3, "POST", `${istioNs}/services`, {
            metadata: { name: "istio-eastwestgateway" },
            spec: { ports: [{ port: 15443 }] },
        });
        try {
            const before = writesEverywhere();
            const message = errors(await stack.previewOf(base())).join("\n");
            expect(message).toContain(
                `cluster "${c(3)}": Service istio-system/istio-eastwestgateway already exists, made by something other than pulumi-multinet; it is not taken over`,
            );
            expect(writesEverywhere()).toEqual(before);
        } finally {
            await live.send(3, "DELETE", svc);
        }
    });
});

describe("clusters without a cloud load balancer", () => {
    const stack = new TopologyStack("real-np");
    beforeAll(() => stack.create(3));
    afterAll(async () => {
        pauseLoadBalancer(false);
        await stack.remove();
    });

    test("a NodePort gateway is reached at the address given and its node port: that is what sidecars get", async () => {
        const t = base({
            gateways: [
                { name: "gw-east", group: "east", cluster: c(2) },
                { name: "gw-west", group: "west", cluster: c(3), serviceType: "NodePort", address: "192.0.2.10" },
            ],
        });
        await stack.apply(t);
        const svc = await live.get(3, `${istioNs}/services/istio-eastwestgateway`);
        expect(svc.spec.type).toBe("NodePort");
        const nodePort = svc.spec.ports.find((p: any) => p.port === 15443).nodePort;
        expect(nodePort).toBeGreaterThanOrEqual(30000);
        expect((await stack.outputs()).addresses["gw-west"]).toBe("192.0.2.10");
        await eventually(async () => {
            expect((await networkGateways()).filter((g) => g.network === "west")).toEqual([
                { network: "west", cluster: "", address: "192.0.2.10", port: nodePort },
            ]);
            const view = await sidecarView(2, "east");
            expect(view.filter((e) => e.address === "192.0.2.10").map((e) => e.port)).toEqual([nodePort]);
        });
        // A NAT in front of the nodes maps another port to the pinned node port: that port is published.
        const nat = base({
            gateways: [t.gateways[0], { ...t.gateways[1], nodePort: 31443, port: 443 }],
        });
        await stack.apply(nat);
        expect(
            (await live.get(3, `${istioNs}/services/istio-eastwestgateway`)).spec.ports.find((p: any) => p.port === 15443).nodePort,
        ).toBe(31443);
        await eventually(async () => {
            const view = await sidecarView(2, "east");
            expect(view.filter((e) => e.address === "192.0.2.10").map((e) => e.port)).toEqual([443]);
        });
    });

    test("a requested load-balancer address that never comes: the error gives only advice that can work", async () => {
        pauseLoadBalancer(true);
        const t = base({
            gateways: [
                { name: "gw-east", group: "east", cluster: c(2), address: "203.0.113.77", addressTimeoutSeconds: 3 },
                { name: "gw-west", group: "west", cluster: c(3), serviceType: "NodePort", address: "192.0.2.10" },
            ],
        });
        await stack.setTopology(t);
        const r = await stack.run(["up", "--yes", "--skip-preview"]);
        pauseLoadBalancer(false);
        expect(r.code).not.toBe(0);
        expect(r.stdout).toContain("got no load-balancer address within 3 s (it has 203.0.113.");
        expect(r.stdout).toContain(
            "not the requested 203.0.113.77). Check that the cluster's load-balancer implementation assigns spec.loadBalancerIP",
        );
        expect(r.stdout).toContain(`set serviceType: "NodePort" and requestedAddress to where other networks reach the nodes`);
        expect(r.stdout).not.toContain("or set `address`");
    });
});
