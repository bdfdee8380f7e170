// `pulumi-multinet check` on the bed, run as a user runs it (the package's bin, kubeconfig files, istiod reached
// by a port-forward to its Pod): the quickstart passes every check; each check's fault, injected by hand as it
// happens on real clusters, gives that check's finding, status and exit code, and the mesh passes again once it is
// undone. Then `up` itself waits for istiod: a remote secret istiod cannot sync, and a gateway hostname it cannot
// resolve, fail the update with the check's own words, and the group stays unreachable rather than served raw.
import * as fs from "fs";
import * as path from "path";
import { bedEnv, holdProxy, pauseLoadBalancer } from "../../bed/bed";
import { hostnameAnnotation } from "../../bed/seed";
import { sample } from "../../bed/sample";
import { clusterName as c, istioNs, joined, Live, Topology, TopologyStack } from "../../bed/topology";
import type { Report } from "../../core/check";
import { clusterId, eventually, networkGateways, settle, sidecarView, summarize } from "../helpers/istio";
import { kubeconfigFlags, runCheck, runCli } from "../helpers/cli";

const live = new Live();
const run = runCli;
const access = (clusters?: number[]) => kubeconfigFlags(live, clusters);
const check = (extra: string[] = [], clusters?: number[]) => runCheck(live, extra, clusters);

const statuses = (r: Report) => Object.fromEntries(r.checks.map((x) => [x.id, x.status]));
const findingsOf = (r: Report, id: string) => r.checks.find((x) => x.id === id)!.findings;

/** Every check passes, and nothing is left to say. */
async function allPass(extra: string[] = []): Promise<void> {
    const { code, report } = await check(extra);
    expect(report.checks.filter((x) => x.status !== "pass" || x.findings.length)).toEqual([]);
    expect(code).toBe(0);
}

const topology: Topology = {
    meshId: "mesh-check",
    controlPlane: { cluster: c(1) },
    clusters: [1, 2, 3, 4].map((n) => ({ name: c(n), clusterId: clusterId(n) })),
    groups: [
        { name: "east", clusters: [c(1), c(2)] },
        { name: "west", clusters: [c(3)] },
        { name: "south", clusters: [c(4)] },
    ],
    gateways: [
        { name: "gw-east", group: "east", cluster: c(2) },
        { name: "gw-west", group: "west", cluster: c(3) },
        { name: "gw-south", group: "south", cluster: c(4) },
    ],
    interconnect: joined("east", "west"),
};

/** Runs `fault`, then `undo` whatever happens. */
async function withFault(fault: () => Promise<unknown>, undo: () => Promise<unknown>, test: () => Promise<void>): Promise<void> {
    try {
        await fault();
        await test();
    } finally {
        await undo();
    }
}

/** The fault's check reports it, with this status and a finding matching `message`, and `check` exits `code`. */
async function expectFinding(id: string, status: string, message: RegExp, code: number, extra: string[] = []): Promise<void> {
    await eventually(async () => {
        const r = await check(extra);
        expect({ status: statuses(r.report)[id], messages: findingsOf(r.report, id).map((f) => f.message) }).toEqual({
            status,
            messages: expect.arrayContaining([expect.stringMatching(message)]),
        });
        expect(findingsOf(r.report, id).every((f) => f.fix.length > 0)).toBe(true);
        expect(r.code).toBe(code);
    });
}

describe("pulumi-multinet check", () => {
    const stack = new TopologyStack("check");
    beforeAll(async () => {
        await stack.create(4);
        await stack.apply(topology);
    });
    afterAll(() => stack.remove());
    // A label set back by hand would be the hand's (server-side apply's field manager), and stay after destroy:
    // `up --refresh` heals the drift as users would, and the label is the program's again.
    const heal = async () => expect((await stack.run(["up", "--refresh", "--yes", "--skip-preview"])).code).toBe(0);

    test("the deployed quickstart passes every check: as a table, as JSON, through istiod's debug URL too", async () => {
        await allPass();
        await allPass(["--istiod-debug", bedEnv().MULTINET_ISTIOD_DEBUG]);
        const table = await run(["check", ...access(), "--control-plane", c(1)]);
        expect(table.code).toBe(0);
        expect(table.stdout).toContain(`pulumi-multinet check: mesh "mesh-check", control plane "${c(1)}"`);
        expect(table.stdout).toMatch(/^PASS {2}control-plane {6}istiod is reachable and ready/m);
        expect(table.stdout).toContain("0 failed, 0 warned, 11 passed, 0 skipped");
    });

    test("with the control plane's access alone, the checks that need another cluster say which flag enables them", async () => {
        const { code, report } = await check([], [1]);
        expect(code).toBe(0);
        const labels = findingsOf(report, "network-labels");
        expect(labels.map((f) => [f.cluster, f.severity, f.fix])).toEqual(
            [2, 3, 4].map((n) => [c(n), "skip", `pass --kubeconfig ${c(n)}=PATH or --context ${c(n)}=CONTEXT`]),
        );
        expect(statuses(report)).toMatchObject({ "network-labels": "pass", "gateway-pods": "skip", "gateway-addresses": "skip" });
    });

    test("it could not run: bad flags, an unknown mesh, an unreachable control plane (exit 2, one line)", async () => {
        const badFlag = await run(["check", "--kubeconfig", "nameless"]);
        expect([badFlag.code, badFlag.stderr.trim()]).toEqual([
            2,
            'pulumi-multinet check: --kubeconfig takes NAME=VALUE (the cluster\'s name in the mesh), got "nameless"',
        ]);
        const unknown = await run(["check", ...access([1]), "--mesh", "nope"]);
        expect([unknown.code, unknown.stderr.trim()]).toEqual([
            2,
            `pulumi-multinet check: no pulumi-multinet mesh "nope" on cluster "${c(1)}" (namespace istio-system); found mesh-check`,
        ]);
        const closed = path.join(fs.mkdtempSync("/tmp/check-"), "kubeconfig");
        fs.writeFileSync(closed, fs.readFileSync(live.state.clusters[0].kubeconfig, "utf8").replace(/:(\d+)\n/, ":1\n"));
        const unreachable = await run(["check", "--kubeconfig", `${c(1)}=${closed}`]);
        expect(unreachable.code).toBe(2);
        expect(unreachable.stderr.trim().split("\n")).toEqual([
            expect.stringMatching(/^pulumi-multinet check: cluster "cluster-1": cannot reach the API server/),
        ]);
    });

    test("control-plane: an istiod that does not answer fails the check, and the checks that read it are skipped", async () => {
        const { code, report } = await check(["--istiod-debug", "http://127.0.0.1:1"]);
        expect(code).toBe(1);
        expect(statuses(report)).toMatchObject({ "control-plane": "fail", "remote-clusters": "skip", gateways: "skip", endpoints: "skip" });
        expect(findingsOf(report, "control-plane")[0].message).toMatch(
            /^istiod at http:\/\/127\.0\.0\.1:1 did not answer \/debug\/clusterz/,
        );
    });

    test("remote-clusters: a deleted remote secret is named", async () => {
        const secretPath = `${istioNs}/secrets/istio-remote-secret-${c(4)}`;
        const saved = await live.get(1, secretPath);
        await withFault(
            () => live.send(1, "DELETE", secretPath),
            () =>
                live.send(1, "POST", `${istioNs}/secrets`, {
                    ...saved,
                    metadata: { ...saved.metadata, resourceVersion: undefined, uid: undefined },
                }),
            () => expectFinding("remote-clusters", "fail", /^no remote secret holds Istio cluster ID "cluster-4"/, 1),
        );
        await eventually(allPass);
    });

    test("gateways: a gateway Service labelled with its network is registered a second time, and named", async () => {
        const svc = `${istioNs}/services/istio-eastwestgateway`;
        const label = (value: string | null) =>
            live.send(3, "PATCH", svc, { metadata: { labels: { "topology.istio.io/network": value } } }, "application/merge-patch+json");
        await withFault(
            () => label("west"),
            () => label(null),
            () =>
                expectFinding(
                    "gateways",
                    "fail",
                    /^istiod also registers gateway 203\.0\.113\.\d+:15443 of network "west" from cluster "cluster-3": Service istio-system\/istio-eastwestgateway there is labelled/,
                    1,
                ),
        );
        await eventually(allPass);
    });

    test("gateway-addresses: a load balancer's address changed behind the program's back is named stale", async () => {
        const status = `${istioNs}/services/istio-eastwestgateway/status`;
        const before = (await live.get(3, status)).status.loadBalancer;
        const setIngress = (loadBalancer: object) =>
            live.send(3, "PATCH", status, { status: { loadBalancer } }, "application/merge-patch+json");
        await withFault(
            async () => {
                pauseLoadBalancer(true);
                await setIngress({ ingress: [{ ip: "203.0.113.250", ipMode: "VIP" }] });
            },
            async () => {
                await setIngress(before);
                pauseLoadBalancer(false);
            },
            () =>
                expectFinding(
                    "gateway-addresses",
                    "fail",
                    /^the gateway's load-balancer address is 203\.0\.113\.250 now, but istiod has 203\.0\.113\.\d+:15443 for network "west": the address changed behind the program's back/,
                    1,
                ),
        );
        await eventually(allPass);
    });

    test("network-labels: a namespace relabelled by hand is named", async () => {
        const ns = "/api/v1/namespaces/istio-system";
        const label = (value: string) =>
            live.send(4, "PATCH", ns, { metadata: { labels: { "topology.istio.io/network": value } } }, "application/merge-patch+json");
        await withFault(
            () => label("elsewhere"),
            heal,
            () =>
                expectFinding(
                    "network-labels",
                    "fail",
                    /^its label topology\.istio\.io\/network is "elsewhere", but the cluster is in group "south"/,
                    1,
                ),
        );
        await eventually(allPass);
    });

    test("injection-network: an injector that gives Pods another network fails; one that gives none warns (exit 0)", async () => {
        await withFault(
            () => live.setInjectionNetwork(3, "network2"),
            () => live.setInjectionNetwork(3, "west"),
            () =>
                expectFinding(
                    "injection-network",
                    "fail",
                    /^the sidecar injector of cluster "cluster-3" gives its Pods network "network2" \(MutatingWebhookConfiguration istio-sidecar-injector \(path \/inject\/cluster\/cluster-3\/net\/network2\)\), not the group's "west"/,
                    1,
                ),
        );
        await withFault(
            () => live.setInjectionNetwork(3, undefined),
            () => live.setInjectionNetwork(3, "west"),
            () =>
                expectFinding(
                    "injection-network",
                    "warn",
                    /^its sidecar injector gives Pods no network: their sidecars have no network/,
                    0,
                ),
        );
        await allPass();
    });

    test("endpoints: Pods that carry another network (the injector's label) are counted there by istiod, and named", async () => {
        const pods = ["a", "b"].map((x) => `/api/v1/namespaces/${sample.namespace}/pods/${sample.service}-v1-${x}`);
        const label = (value: string | null) =>
            Promise.all(
                pods.map((p) =>
                    live.send(
                        3,
                        "PATCH",
                        p,
                        { metadata: { labels: { "topology.istio.io/network": value } } },
                        "application/merge-patch+json",
                    ),
                ),
            );
        await withFault(
            () => label("network2"),
            () => label(null),
            () =>
                expectFinding(
                    "endpoints",
                    "fail",
                    /^istiod holds 2 endpoint\(s\) of cluster "cluster-3" in network "network2", e\.g\. 10\.3\.0\.10 \(helloworld\.sample\), 10\.3\.0\.11 \(helloworld\.sample\), but the cluster is in group "west"/,
                    1,
                ),
        );
        await eventually(allPass);
    });

    test("stale-proxies: a sidecar still connected with its old network after a move is named, by Pod", async () => {
        const proxy = holdProxy({ cluster: clusterId(3), network: "east", name: "helloworld-v1-old" }, `${sample.host}:${sample.port}`);
        try {
            await proxy.connected;
            await expectFinding(
                "stale-proxies",
                "fail",
                /^1 connected sidecar\(s\) of cluster "cluster-3" still call themselves part of network "east", but the cluster is in group "west" now/,
                1,
            );
            const { report } = await check();
            expect(findingsOf(report, "stale-proxies")[0].object).toBe(`helloworld-v1-old.${sample.namespace}`);
        } finally {
            proxy.stop();
        }
        await eventually(allPass);
    });

    test("trust: a cluster whose root certificate is another is named", async () => {
        const cm = `${istioNs}/configmaps/istio-ca-root-cert`;
        const binding = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/istio-reader-clusterrole-istio-system";
        const savedBinding = await live.get(3, binding);
        const savedCert = (await live.get(3, cm)).data["root-cert.pem"];
        const other = fs.readFileSync(path.join(path.dirname(live.state.clusters[0].kubeconfig), "..", "..", "pki", "ca.crt"), "utf8");
        await withFault(
            async () => {
                // Without its write access there, istiod cannot put its own root back: the cluster keeps another.
                await live.send(3, "DELETE", binding);
                await live.send(3, "PATCH", cm, { data: { "root-cert.pem": other } }, "application/merge-patch+json");
            },
            async () => {
                await live.send(3, "PATCH", cm, { data: { "root-cert.pem": savedCert } }, "application/merge-patch+json");
                await live.send(3, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
                    ...savedBinding,
                    metadata: { name: savedBinding.metadata.name, labels: savedBinding.metadata.labels },
                });
            },
            () => expectFinding("trust", "fail", /^its root certificate is not the control plane's/, 1),
        );
        await eventually(allPass);
    });

    test("gateway-pods: a gateway whose Pods cannot start (no injector left on its cluster) is named", async () => {
        const webhook = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector";
        const saved = await live.get(4, webhook);
        await withFault(
            () => live.send(4, "DELETE", webhook),
            () =>
                live.send(4, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", {
                    ...saved,
                    metadata: { name: saved.metadata.name, labels: saved.metadata.labels },
                }),
            () => expectFinding("gateway-pods", "fail", /^no gateway Pod is available \(1 wanted\)/, 1),
        );
        await eventually(allPass);
    });

    test("ambient: istiod in ambient multi-network mode is a warning (exit 0)", async () => {
        const deployment = "/apis/apps/v1/namespaces/istio-system/deployments/istiod";
        const env = async (extra: { name: string; value: string }[]) => {
            const d = await live.get(1, deployment);
            const container = d.spec.template.spec.containers[0];
            container.env = [...container.env.filter((e: any) => !e.name.includes("AMBIENT")), ...extra];
            await live.send(1, "PUT", deployment, d);
        };
        await withFault(
            () =>
                env([
                    { name: "PILOT_ENABLE_AMBIENT", value: "true" },
                    { name: "AMBIENT_ENABLE_MULTI_NETWORK", value: "true" },
                ]),
            () => env([]),
            () => expectFinding("ambient", "warn", /^istiod runs with AMBIENT_ENABLE_MULTI_NETWORK/, 0),
        );
        await settle();
        await eventually(allPass, 60_000);
    });

    test("--wait polls until every check passes", async () => {
        const ns = "/api/v1/namespaces/istio-system";
        const label = (value: string) =>
            live.send(4, "PATCH", ns, { metadata: { labels: { "topology.istio.io/network": value } } }, "application/merge-patch+json");
        await label("elsewhere");
        const waiting = check(["--wait", "60"]);
        await new Promise((r) => setTimeout(r, 4000));
        await heal();
        const { code, report } = await waiting;
        expect(code).toBe(0);
        expect(statuses(report)["network-labels"]).toBe("pass");
    });
});

describe("up waits for istiod", () => {
    const stack = new TopologyStack("await");
    beforeAll(() => stack.create(4));
    afterAll(() => stack.remove());

    const base: Topology = {
        meshId: "mesh-await",
        controlPlane: { cluster: c(1) },
        clusters: [1, 2, 3].map((n) => ({ name: c(n), clusterId: clusterId(n) })),
        groups: [
            { name: "east", clusters: [c(1), c(2)] },
            { name: "west", clusters: [c(3)] },
        ],
        gateways: [
            { name: "gw-east", group: "east", cluster: c(2) },
            // Its cloud names its load balancer, with a name nothing resolves.
            { name: "gw-west", group: "west", cluster: c(3), serviceAnnotations: { [hostnameAnnotation]: "gw-west.mesh-await.invalid" } },
        ],
    };

    test("a remote secret istiod cannot sync fails the update with istiod's own verdict, and is taken back", async () => {
        const unreachable = {
            ...base,
            clusters: [
                ...base.clusters,
                {
                    name: c(4),
                    clusterId: clusterId(4),
                    remoteSecretServer: `https://${live.state.clusters[3].server.split("//")[1].split(":")[0]}:1`,
                },
            ],
        };
        await stack.setTopology(unreachable);
        const r = await stack.run(["up", "--yes", "--skip-preview"]);
        expect(r.code).not.toBe(0);
        expect(r.stdout).toMatch(/istiod could not sync cluster "cluster-4" in time \("timeout"\)/);
        expect(r.stdout).toContain(`set remoteSecretServer on "${c(4)}" to an address the control plane reaches`);
        expect(await live.get(1, `${istioNs}/secrets/istio-remote-secret-${c(4)}`)).toBeUndefined();
    });

    test("a gateway hostname istiod cannot resolve fails the update naming it; its group stays behind the discard address, never served as Pod IPs", async () => {
        const named = {
            ...base,
            interconnect: joined("east", "west"),
            // Short: istiod's answer (none) is known within seconds.
            awaitTimeoutSeconds: 20,
        };
        await stack.setTopology(named);
        const seen: string[][] = [];
        let done = false;
        const watching = (async () => {
            while (!done) {
                // While istiod restarts (the interconnect's restart), there is nothing to see.
                const view = await sidecarView(2, "east").catch(() => undefined);
                if (view) seen.push(summarize(view).direct);
                await new Promise((r) => setTimeout(r, 500));
            }
        })();
        const r = await stack.run(["up", "--yes", "--skip-preview"]);
        done = true;
        await watching;
        expect(r.code).not.toBe(0);
        expect(r.stdout).toMatch(
            /istiod did not show the gateway hostnames of network\(s\) west resolved within 20 s: istiod has no address for gateway gw-west\.mesh-await\.invalid:15443 of network "west": it drops a hostname it cannot resolve/,
        );
        // West's Pods (cluster-3's) never reached east's sidecars directly, before, during or after.
        expect(seen.length).toBeGreaterThan(10);
        for (const direct of seen) expect(direct.filter((ip) => ip.startsWith("10.3."))).toEqual([]);
        expect((await live.meshNetworks()).west).toEqual({ gateways: [{ address: "100::", port: 15443 }] });
        expect((await networkGateways()).filter((g) => g.network === "west").map((g) => g.address)).toEqual(["100::"]);
    });
});
