import { eastWestGatewayObjects, gatewayRule, networkLabelPatch } from "../../core/render";

const o = { meshId: "mesh1", owner: "proj/dev/mesh1" };

test("the Gateway Rule is Istio's cross-network gateway", () => {
    const rule = gatewayRule(o, "istio-system");
    expect(rule.metadata).toMatchObject({
        name: "cross-network-gateway",
        namespace: "istio-system",
        labels: { "app.kubernetes.io/managed-by": "pulumi-multinet" },
    });
    expect(rule.spec).toEqual({
        selector: { istio: "eastwestgateway" },
        servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
    });
});

test("east-west gateway: selector without the network (it moves), PDB only above one replica, requested address", () => {
    const [sa, deploy, svc, ...rest] = eastWestGatewayObjects(o, {
        namespace: "istio-system",
        networkName: "east",
        clusterId: "east-1",
        replicas: 1,
        serviceAnnotations: { "a/b": "c" },
        requestedAddress: "203.0.113.7",
    });
    expect(sa.metadata.name).toBe("istio-eastwestgateway-service-account");
    expect((deploy as any).spec.selector.matchLabels).toEqual({ istio: "eastwestgateway", app: "istio-eastwestgateway" });
    expect((deploy as any).spec.template.metadata.labels["topology.istio.io/network"]).toBe("east");
    expect((svc as any).spec.loadBalancerIP).toBe("203.0.113.7");
    expect(svc.metadata.annotations).toMatchObject({ "a/b": "c" });
    expect(rest).toEqual([]);
    expect(
        eastWestGatewayObjects(o, {
            namespace: "istio-system",
            networkName: "east",
            clusterId: "east-1",
            replicas: 2,
            serviceAnnotations: {},
        }).map((x) => x.kind),
    ).toContain("PodDisruptionBudget");
});

test("network label patch carries only our labels", () => {
    expect(networkLabelPatch(o, "istio-system", "east").metadata.labels).toEqual({
        "topology.istio.io/network": "east",
        "multinet.pulumi.io/mesh": "mesh1",
        "multinet.pulumi.io/network-group": "east",
    });
});

test("east-west gateway: podAnnotations go on the pods beside the injection's own, injected or not; none, none", () => {
    const spec = { namespace: "istio-system", networkName: "east", clusterId: "east-1", replicas: 1, serviceAnnotations: {} };
    const podAnnotations = (s: Parameters<typeof eastWestGatewayObjects>[1]) =>
        (eastWestGatewayObjects(o, s).find((x) => x.kind === "Deployment") as any).spec.template.metadata.annotations;
    const scrape = { "prometheus.io/scrape": "true", "example.com/team": "net" };
    expect(podAnnotations({ ...spec, podAnnotations: scrape })).toEqual({
        ...scrape,
        "inject.istio.io/templates": "gateway",
        "sidecar.istio.io/inject": "true",
    });
    expect(podAnnotations({ ...spec, podAnnotations: scrape, proxyImage: "docker.io/istio/proxyv2:1.31.0" })).toEqual({
        ...scrape,
        "inject.istio.io/templates": "gateway",
        "sidecar.istio.io/inject": "false",
    });
    // Without them the pod template is what it was before the argument existed (so no gateway rolls on upgrade).
    expect(podAnnotations(spec)).toEqual({ "inject.istio.io/templates": "gateway", "sidecar.istio.io/inject": "true" });
    // Only the Deployment's pods carry them: the Service keeps serviceAnnotations.
    const svc = eastWestGatewayObjects(o, { ...spec, podAnnotations: scrape }).find((x) => x.kind === "Service")!;
    expect(Object.keys(svc.metadata.annotations!)).not.toContain("prometheus.io/scrape");
});
