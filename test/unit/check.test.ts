// The live check's judgement (core/check.ts) on facts as the bed's istiod serves them: a healthy quickstart passes
// every check; each fault yields its check's finding, status and fix.
import { CheckId, evaluate, MeshFacts, Report } from "../../core/check";
import { Ledger } from "../../core/meshNetworks";

const owner = "proj/dev/mesh1";

function healthy(): MeshFacts {
    const ledger: Ledger = {
        owner,
        groups: ["east", "west", "south"],
        groupClusters: { east: ["hosted", "east-1"], west: ["west-1"], south: ["south-1"] },
        joined: { east: ["203.0.113.10"], west: ["203.0.113.7"] },
        controlPlaneRestart: "onMembershipChange",
        original: null,
        mesh: {
            controlPlane: "hosted",
            deployment: "istiod",
            clusters: { hosted: "cluster-1", "east-1": "east-1", "west-1": "west-1", "south-1": "south-1" },
            remoteSecrets: "managed",
        },
    };
    const cluster = (network: string, gateway?: string) => ({
        networkLabel: network,
        injectorNetworks: [{ source: "MutatingWebhookConfiguration istio-sidecar-injector (path /inject/net/x)", network }],
        gateway: gateway ? { network, endpoint: { address: gateway, port: 15443 }, replicas: 1, available: 1 } : undefined,
        rootCerts: ["AA:BB"],
    });
    return {
        meshId: "mesh1",
        namespace: "istio-system",
        ledgers: [ledger],
        controlPlane: "hosted",
        deployment: { name: "istiod", env: { CLUSTER_ID: "cluster-1" } },
        remoteSecrets: ["east-1", "west-1", "south-1"].map((id) => ({ name: `istio-remote-secret-${id}`, clusterIds: [id] })),
        istiod: {
            views: [
                {
                    source: "Pod istio-system/istiod-0",
                    clusters: [
                        { id: "cluster-1", secretName: "", syncStatus: "synced" },
                        ...["east-1", "west-1", "south-1"].map((id) => ({
                            id,
                            secretName: `istio-system/istio-remote-secret-${id}`,
                            syncStatus: "synced",
                        })),
                    ],
                    gateways: [
                        { Network: "south", Cluster: "", Addr: "100::", Port: 15443 },
                        { Network: "east", Cluster: "", Addr: "203.0.113.10", Port: 15443 },
                        { Network: "west", Cluster: "", Addr: "203.0.113.7", Port: 15443 },
                    ],
                    endpoints: [
                        {
                            service: "helloworld.sample.svc.cluster.local",
                            namespace: "sample",
                            address: "10.1.0.10",
                            cluster: "cluster-1",
                            network: "east",
                        },
                        {
                            service: "helloworld.sample.svc.cluster.local",
                            namespace: "sample",
                            address: "10.3.0.10",
                            cluster: "west-1",
                            network: "west",
                        },
                    ],
                    proxies: [{ id: "helloworld-v1-a.sample", type: "sidecar", cluster: "west-1", network: "west" }],
                },
            ],
        },
        clusters: {
            hosted: cluster("east"),
            "east-1": cluster("east", "203.0.113.10"),
            "west-1": cluster("west", "203.0.113.7"),
            "south-1": cluster("south", "203.0.113.20"),
        },
    };
}

const byId = (r: Report, id: CheckId) => r.checks.find((c) => c.id === id)!;
const view = (f: MeshFacts) => f.istiod.views[0];

test("a healthy mesh passes every check, in the stable order", () => {
    const r = evaluate(healthy());
    expect(r.mesh).toBe("mesh1");
    expect(r.checks.map((c) => [c.id, c.status, c.findings])).toEqual(
        [
            "control-plane",
            "remote-clusters",
            "gateways",
            "gateway-addresses",
            "network-labels",
            "injection-network",
            "endpoints",
            "stale-proxies",
            "trust",
            "gateway-pods",
            "ambient",
        ].map((id) => [id, "pass", []]),
    );
});

test.each<[string, (f: MeshFacts) => void, CheckId, "fail" | "warn" | "skip", RegExp]>([
    [
        "istiod unreachable",
        (f) => (f.istiod = { views: [], error: "no Running and Ready pod", fix: "check istiod" }),
        "control-plane",
        "fail",
        /no Running and Ready pod/,
    ],
    [
        "another CLUSTER_ID",
        (f) => (view(f).clusters[0].id = "Kubernetes"),
        "control-plane",
        "fail",
        /runs with CLUSTER_ID "Kubernetes", but the mesh declares the control-plane cluster "hosted" as "cluster-1"/,
    ],
    [
        "a remote secret missing",
        (f) => (f.remoteSecrets = f.remoteSecrets.slice(1)),
        "remote-clusters",
        "fail",
        /no remote secret holds Istio cluster ID "east-1"/,
    ],
    [
        "a cluster timed out",
        (f) => (view(f).clusters[2].syncStatus = "timeout"),
        "remote-clusters",
        "fail",
        /istiod could not sync cluster "west-1" in time \("timeout"\)/,
    ],
    ["a cluster syncing", (f) => (view(f).clusters[2].syncStatus = "syncing"), "remote-clusters", "warn", /still syncing cluster "west-1"/],
    ["a cluster never registered", (f) => view(f).clusters.splice(3, 1), "remote-clusters", "fail", /has not registered cluster "south-1"/],
    [
        "a labelled gateway Service",
        (f) => view(f).gateways.push({ Network: "west", Cluster: "west-1", Addr: "203.0.113.7", Port: 15443 }),
        "gateways",
        "fail",
        /also registers gateway 203.0.113.7:15443 of network "west" from cluster "west-1"/,
    ],
    [
        "a gateway listed twice",
        (f) => view(f).gateways.push({ Network: "west", Cluster: "", Addr: "203.0.113.7", Port: 15443 }),
        "gateways",
        "fail",
        /lists gateway 203.0.113.7:15443 of network "west" 2 times/,
    ],
    [
        "a joined network without its gateway",
        (f) => (view(f).gateways = view(f).gateways.filter((g) => g.Network !== "west")),
        "gateways",
        "fail",
        /no gateway 203.0.113.7:15443 for network "west"/,
    ],
    [
        "an outside network with a real gateway",
        (f) => (view(f).gateways[0].Addr = "203.0.113.20"),
        "gateways",
        "fail",
        /"south" is outside the interconnect, but istiod has gateway\(s\) 203.0.113.20:15443/,
    ],
    [
        "an outside network without the discard gateway",
        (f) => view(f).gateways.shift(),
        "gateways",
        "fail",
        /no discard gateway 100:: for it: in sidecar mode it then serves the network's Pod IPs/,
    ],
    [
        "a load balancer's address changed behind the program's back",
        (f) => (f.clusters["west-1"].gateway!.endpoint!.address = "203.0.113.99"),
        "gateway-addresses",
        "fail",
        /load-balancer address is 203.0.113.99 now, but istiod has 203.0.113.7:15443 for network "west": the address changed behind/,
    ],
    [
        "a namespace relabelled",
        (f) => (f.clusters["west-1"].networkLabel = "other"),
        "network-labels",
        "fail",
        /"other", but the cluster is in group "west"/,
    ],
    [
        "an injector with another network",
        (f) =>
            (f.clusters["west-1"].injectorNetworks = [
                { source: "ConfigMap istio-system/istio-sidecar-injector values.global.network", network: "network2" },
            ]),
        "injection-network",
        "fail",
        /gives its Pods network "network2" \(ConfigMap istio-system\/istio-sidecar-injector values.global.network\), not the group's "west"/,
    ],
    [
        "an injector without a network",
        (f) => (f.clusters["west-1"].injectorNetworks = []),
        "injection-network",
        "warn",
        /gives Pods no network/,
    ],
    [
        "endpoints in another network",
        (f) => (view(f).endpoints[1].network = "network2"),
        "endpoints",
        "fail",
        /holds 1 endpoint\(s\) of cluster "west-1" in network "network2", e.g. 10.3.0.10 \(helloworld.sample\)/,
    ],
    [
        "a sidecar of the old network",
        (f) => (view(f).proxies[0].network = "east"),
        "stale-proxies",
        "fail",
        /1 connected sidecar\(s\) of cluster "west-1" still call themselves part of network "east"/,
    ],
    ["another root of trust", (f) => (f.clusters["west-1"].rootCerts = ["CC:DD"]), "trust", "fail", /not the control plane's/],
    [
        "no root certificate on a remote cluster",
        (f) => (f.clusters["west-1"].rootCerts = undefined),
        "trust",
        "warn",
        /no root certificate here/,
    ],
    ["no gateway pod", (f) => (f.clusters["west-1"].gateway!.available = 0), "gateway-pods", "fail", /no gateway Pod is available/],
    [
        "ambient multi-network",
        (f) => Object.assign(f.deployment!.env, { PILOT_ENABLE_AMBIENT: "true", AMBIENT_ENABLE_MULTI_NETWORK: "true" }),
        "ambient",
        "warn",
        /AMBIENT_ENABLE_MULTI_NETWORK/,
    ],
])("%s", (_, fault, id, status, message) => {
    const f = healthy();
    fault(f);
    const r = evaluate(f);
    const c = byId(r, id);
    expect(c.status).toBe(status);
    expect(c.findings.map((x) => x.message).join("\n")).toMatch(message);
    expect(c.findings.every((x) => x.fix.length > 0)).toBe(true);
    // The fault shows in its own check; others that read the same fact may also speak, but nothing passes silently.
    expect(r.checks.filter((x) => x.id !== id && x.status === "fail").map((x) => x.id)).not.toContain(id);
});

test("checks that need a cluster's access say skipped and the flag that enables them", () => {
    const f = healthy();
    f.clusters = { hosted: f.clusters.hosted };
    const r = evaluate(f);
    const labels = byId(r, "network-labels");
    expect(labels.status).toBe("pass"); // hosted was read
    expect(labels.findings.filter((x) => x.severity === "skip").map((x) => x.cluster)).toEqual(["east-1", "south-1", "west-1"]);
    expect(labels.findings[0].fix).toBe("pass --kubeconfig east-1=PATH or --context east-1=CONTEXT");
    f.clusters = {};
    expect(byId(evaluate(f), "gateway-pods").status).toBe("skip");
});

test("without istiod the checks that read it are skipped, and control-plane fails", () => {
    const f = healthy();
    f.istiod = { views: [], error: "Deployment istio-system/istiod does not exist", fix: "name it" };
    const r = evaluate(f);
    expect(byId(r, "control-plane").status).toBe("fail");
    for (const id of ["remote-clusters", "gateways", "endpoints", "stale-proxies", "gateway-addresses"] as CheckId[])
        expect(byId(r, id).status).toBe("skip");
});

test("a hostname gateway passes when istiod resolved it, and fails naming the name when it did not", () => {
    const f = healthy();
    f.ledgers[0].joined.west = ["gw.west.example.com"];
    f.clusters["west-1"].gateway!.endpoint = { address: "gw.west.example.com", port: 15443 };
    expect(byId(evaluate(f), "gateways").status).toBe("pass"); // 203.0.113.7 is what it resolved to
    view(f).gateways = view(f).gateways.filter((g) => g.Network !== "west");
    const c = byId(evaluate(f), "gateways");
    expect(c.status).toBe("fail");
    expect(c.findings[0].message).toMatch(
        /no address for gateway gw.west.example.com:15443 of network "west": it drops a hostname it cannot resolve/,
    );
});

test("a hub's referenced clusters are declared too: a split mesh is checked whole, and a missing remote secret for one fails", () => {
    const facts = healthy();
    const ledger = facts.ledgers[0];
    // The hub declares "hosted" and "east-1"; "west-1" and "south-1" come from group stacks (NetworkGroupReference).
    ledger.mesh!.clusters = { hosted: "cluster-1", "east-1": "east-1" };
    ledger.referencedClusters = { west: { "west-1": "west-1" }, south: { "south-1": "south-1" } };
    expect(evaluate(facts).checks.every((c) => c.status === "pass")).toBe(true);
    facts.remoteSecrets = facts.remoteSecrets.filter((s) => s.name !== "istio-remote-secret-west-1");
    const remote = evaluate(facts).checks.find((c) => c.id === "remote-clusters")!;
    expect([remote.status, remote.findings.map((f) => f.cluster)]).toEqual(["fail", ["west-1"]]);
});
