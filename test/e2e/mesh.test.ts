// MultiNetworking, NetworkGroup and EastWestGateway under the real engine, checked in the API servers.
import { eastWest, labels } from "../../core/names";
import { analyzeProblems } from "../helpers/istio";
import { clusterName, errors, Live, Topology, TopologyStack } from "../../bed/topology";

const live = new Live();
const ns = "/api/v1/namespaces/istio-system";
const rulePath = "/apis/networking.istio.io/v1/namespaces/istio-system/gateways/cross-network-gateway";

// cluster-2 and cluster-3 share a Pod CIDR: fine in different groups, the point of the feature.
const base: Topology = {
    meshId: "mesh-a",
    controlPlane: { cluster: clusterName(1) },
    clusters: [
        { name: clusterName(1), podCidrs: ["10.1.0.0/16"] },
        { name: clusterName(2), podCidrs: ["10.2.0.0/16"] },
        { name: clusterName(3), podCidrs: ["10.2.0.0/16"] },
    ],
    groups: [
        { name: "east", clusters: [clusterName(1), clusterName(2)] },
        { name: "west", clusters: [clusterName(3)] },
    ],
    gateways: [
        {
            name: "gw-east",
            group: "east",
            cluster: clusterName(2),
            replicas: 2,
            serviceAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
        },
        { name: "gw-west", group: "west", cluster: clusterName(3), address: "203.0.113.77" },
    ],
};

describe("mesh side on the bed", () => {
    const stack = new TopologyStack("mesh");
    beforeAll(() => stack.create(3));
    afterAll(() => stack.remove());

    test("create: Gateway Rule, network labels, east-west gateway objects, addresses", async () => {
        await stack.apply(base);
        const rule = await live.get(1, rulePath);
        expect(rule.spec).toEqual({
            selector: { istio: "eastwestgateway" },
            servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
        });
        expect(rule.metadata.labels).toMatchObject({ [labels.managedBy]: "pulumi-multinet", [labels.mesh]: "mesh-a" });
        // The owner's own field manager: the API server refuses another stack's write to these fields.
        expect(rule.metadata.managedFields.map((f: any) => f.manager)).toEqual([`pulumi-multinet/multinet-topology/${stack.name}/mesh-a`]);

        expect((await live.namespaceLabels(1))[labels.network]).toBe("east");
        expect((await live.namespaceLabels(2))[labels.network]).toBe("east");
        expect((await live.namespaceLabels(3))[labels.network]).toBe("west");

        const deploy = await live.get(2, `/apis/apps/v1/namespaces/istio-system/deployments/${eastWest.name}`);
        expect(deploy.spec.replicas).toBe(2);
        expect(deploy.metadata.labels).toMatchObject({
            istio: "eastwestgateway",
            app: "istio-eastwestgateway",
            [labels.network]: "east",
            [labels.managedBy]: "pulumi-multinet",
        });
        const pod = deploy.spec.template;
        expect(pod.metadata.annotations).toMatchObject({ "inject.istio.io/templates": "gateway", "sidecar.istio.io/inject": "true" });
        expect(pod.spec.serviceAccountName).toBe(eastWest.serviceAccount);
        expect(pod.spec.containers[0]).toMatchObject({
            name: "istio-proxy",
            image: "auto",
            env: [{ name: "ISTIO_META_REQUESTED_NETWORK_VIEW", value: "east" }],
        });
        expect(await live.get(2, `${ns}/serviceaccounts/${eastWest.serviceAccount}`)).toBeDefined();
        const svc = await live.get(2, `${ns}/services/${eastWest.name}`);
        expect(svc.spec.type).toBe("LoadBalancer");
        expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
            ["status-port", 15021],
            ["tls", 15443],
            ["tls-istiod", 15012],
            ["tls-webhook", 15017],
        ]);
        expect(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"]).toBe("nlb");
        // No network label on the Service: istiod would register the gateway from it too (twice, and joined or not).
        expect(svc.metadata.labels[labels.network]).toBeUndefined();
        expect(await live.get(2, `/apis/policy/v1/namespaces/istio-system/poddisruptionbudgets/${eastWest.name}`)).toBeDefined();
        expect(await live.get(3, `/apis/policy/v1/namespaces/istio-system/poddisruptionbudgets/${eastWest.name}`)).toBeUndefined();

        const out = await stack.outputs();
        expect(out.gatewayRule).toBe("istio-system/cross-network-gateway");
        expect(out.addresses["gw-east"]).toBe(svc.status.loadBalancer.ingress[0].ip);
        expect(out.addresses["gw-west"]).toBe("203.0.113.77");
        expect(out.networks.west).toEqual({ networkName: "west", clusters: [clusterName(3)] });

        const preview = await stack.preview();
        expect(preview.changeSummary).toEqual({ same: expect.any(Number) });
    });

    test("change replicas and annotations in place", async () => {
        const svcBefore = await live.get(2, `${ns}/services/${eastWest.name}`);
        await stack.apply({
            ...base,
            gateways: [{ ...base.gateways[0], replicas: 1, serviceAnnotations: { "example.com/lb": "internal" } }, base.gateways[1]],
        });
        const deploy = await live.get(2, `/apis/apps/v1/namespaces/istio-system/deployments/${eastWest.name}`);
        expect(deploy.spec.replicas).toBe(1);
        expect(await live.get(2, `/apis/policy/v1/namespaces/istio-system/poddisruptionbudgets/${eastWest.name}`)).toBeUndefined();
        const svc = await live.get(2, `${ns}/services/${eastWest.name}`);
        expect(svc.metadata.uid).toBe(svcBefore.metadata.uid);
        expect(svc.metadata.annotations["example.com/lb"]).toBe("internal");
        expect(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"]).toBeUndefined();
    });

    test("a cluster moves to another group with its gateway: same Service, same address", async () => {
        const svcBefore = await live.get(3, `${ns}/services/${eastWest.name}`);
        const moved: Topology = {
            ...base,
            clusters: [base.clusters[0], base.clusters[1], { name: clusterName(3), podCidrs: ["10.3.0.0/16"] }],
            groups: [{ name: "east", clusters: [clusterName(1), clusterName(2), clusterName(3)] }],
            gateways: [base.gateways[0], { ...base.gateways[1], group: "east" }],
        };
        // "west" keeps no cluster, so it is deleted; cluster-3 and its gateway follow into "east".
        await stack.apply(moved);
        expect((await live.namespaceLabels(3))[labels.network]).toBe("east");
        const svc = await live.get(3, `${ns}/services/${eastWest.name}`);
        expect(svc.metadata.uid).toBe(svcBefore.metadata.uid);
        expect(svc.status.loadBalancer.ingress[0].ip).toBe("203.0.113.77");
        const deploy = await live.get(3, `/apis/apps/v1/namespaces/istio-system/deployments/${eastWest.name}`);
        expect(deploy.spec.template.metadata.labels[labels.network]).toBe("east");
        expect(deploy.spec.template.spec.containers[0].env).toEqual([{ name: "ISTIO_META_REQUESTED_NETWORK_VIEW", value: "east" }]);

        // and back, both groups changing in one update, whatever order the engine picks
        await stack.apply(base);
        expect((await live.namespaceLabels(3))[labels.network]).toBe("west");
        expect((await live.get(3, `${ns}/services/${eastWest.name}`)).metadata.uid).toBe(svcBefore.metadata.uid);
    });

    test("removing a cluster from a group removes exactly our labels", async () => {
        await stack.apply({ ...base, groups: [{ name: "east", clusters: [clusterName(2)] }, base.groups[1]] });
        const labels1 = await live.namespaceLabels(1);
        expect(labels1).toEqual({ "kubernetes.io/metadata.name": "istio-system" });
        expect((await live.namespaceLabels(2))[labels.network]).toBe("east");
    });

    test("refresh notices an edited and a deleted Gateway Rule; up heals both", async () => {
        await stack.apply(base);
        await live.send(
            1,
            "PATCH",
            rulePath,
            {
                spec: {
                    servers: [
                        { port: { number: 15444, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] },
                    ],
                },
            },
            "application/merge-patch+json",
        );
        await stack.ok(["refresh", "--yes", "--skip-preview"]);
        let preview = await stack.preview();
        expect(preview.changeSummary?.update).toBe(1);
        await stack.up();
        expect((await live.get(1, rulePath)).spec.servers[0].port.number).toBe(15443);

        await live.send(1, "DELETE", rulePath);
        await stack.ok(["refresh", "--yes", "--skip-preview"]);
        preview = await stack.preview();
        expect(preview.changeSummary?.update).toBe(1);
        await stack.up();
        expect((await live.get(1, rulePath)).spec.servers[0].port.number).toBe(15443);
    });

    test("a new networkName replaces the group, and the preview says so", async () => {
        const preview = await stack.previewOf({ ...base, groups: [base.groups[0], { ...base.groups[1], networkName: "west-2" }] });
        const steps = preview.steps.filter((s) => s.urn.endsWith("::west"));
        expect(steps.map((s) => s.op)).toContain("replace");
        expect(steps.flatMap((s) => s.replaceReasons ?? [])).toContain("networkName");
        await stack.setTopology(base);
    });

    test("overlapping Pod CIDRs in one group are rejected at preview; nothing is written", async () => {
        const writes = [1, 2, 3].map((c) => live.auditWrites(c));
        const bad: Topology = {
            ...base,
            groups: [{ name: "east", clusters: [clusterName(1), clusterName(2), clusterName(3)] }],
            gateways: [base.gateways[0]],
        };
        const preview = await stack.previewOf(bad);
        const message = errors(preview).join("\n");
        expect(message).toContain(`NetworkGroup "east"`);
        expect(message).toMatch(/Pod CIDRs overlap: "cluster-2" has 10\.2\.0\.0\/16 and "cluster-3" has 10\.2\.0\.0\/16/);
        expect([1, 2, 3].map((c) => live.auditWrites(c))).toEqual(writes);
        await stack.setTopology(base);
    });

    test("a gateway cluster without Istio's injector is refused at preview, unless the gateway brings its own proxy image", async () => {
        const webhookPath = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector";
        const { metadata, webhooks } = await live.get(3, webhookPath);
        await live.send(3, "DELETE", webhookPath);
        try {
            const writes = [1, 2, 3].map((c) => live.auditWrites(c));
            const message = errors(await stack.previewOf(base)).join("\n");
            expect(message).toContain(`cluster "cluster-3" has no Istio sidecar injector that selects the gateway's pods`);
            expect(message).toContain("set proxyImage on the EastWestGateway");
            expect([1, 2, 3].map((c) => live.auditWrites(c))).toEqual(writes);

            const image = "docker.io/istio/proxyv2:1.31.0";
            await stack.apply({ ...base, gateways: [base.gateways[0], { ...base.gateways[1], proxyImage: image }] });
            const pod = (await live.get(3, `/apis/apps/v1/namespaces/istio-system/deployments/${eastWest.name}`)).spec.template;
            expect(pod.metadata.labels["sidecar.istio.io/inject"]).toBe("false");
            const proxy = pod.spec.containers[0];
            expect(proxy).toMatchObject({ name: "istio-proxy", image, args: expect.arrayContaining(["proxy", "router"]) });
            expect(proxy.env).toEqual(
                expect.arrayContaining([
                    { name: "ISTIO_META_CLUSTER_ID", value: "cluster-3" },
                    { name: "ISTIO_META_NETWORK", value: "west" },
                    { name: "ISTIO_META_REQUESTED_NETWORK_VIEW", value: "west" },
                ]),
            );
            expect(pod.spec.volumes.map((v: any) => v.name)).toEqual(
                expect.arrayContaining(["istio-token", "istiod-ca-cert", "istio-envoy"]),
            );
            expect((await analyzeProblems(3)).filter((m) => m.code === "IST0146")).toEqual([]);
        } finally {
            await live.send(3, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", {
                metadata: { name: metadata.name, labels: metadata.labels },
                webhooks,
            });
            await stack.apply(base);
        }
    });
});

describe("disabling", () => {
    test("is refused while a network group of the mesh exists, even one made elsewhere", async () => {
        const stack = new TopologyStack("disable");
        await stack.create(3);
        try {
            await stack.apply({ ...base, meshId: "mesh-b", groups: [], gateways: [] });
            expect(await live.get(1, rulePath)).toBeDefined();
            // A group of mesh-b made by another stack, as its labels look on cluster-3.
            const foreign = {
                metadata: { labels: { [labels.mesh]: "mesh-b", [labels.networkGroup]: "elsewhere", [labels.network]: "elsewhere" } },
            };
            await live.send(3, "PATCH", ns, foreign, "application/merge-patch+json");
            const refused = await stack.run(["destroy", "--yes", "--skip-preview"]);
            expect(refused.code).not.toBe(0);
            expect(refused.stdout + refused.stderr).toContain(
                `multi-networking of mesh "mesh-b" cannot be disabled while network groups exist: "elsewhere" on cluster "cluster-3"`,
            );
            expect(await live.get(1, rulePath)).toBeDefined();

            await live.send(
                3,
                "PATCH",
                ns,
                { metadata: { labels: { [labels.mesh]: null, [labels.networkGroup]: null, [labels.network]: null } } },
                "application/merge-patch+json",
            );
            await stack.ok(["destroy", "--yes", "--skip-preview"]);
            expect(await live.get(1, rulePath)).toBeUndefined();
        } finally {
            await stack.remove();
        }
    });
});
