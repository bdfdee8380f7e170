// `npm run bench`: what an update costs as the mesh grows, against the kubectl procedure of Istio's multi-network
// guide, on the local bed. Topologies of 2, 4 and 8 clusters: groups of two, one gateway each, all interconnected.
// Prints a table and writes bench/results/bench.json. Figures are measurements, not assertions.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { auditCounts, auditOffset } from "../bed/audit";
import { bedEnv, down, readState, up } from "../bed/bed";
import { istiodStarts, settle } from "../bed/istiod";
import { clusterName as c, Live, Topology, TopologyStack } from "../bed/topology";
import { eastWestGatewayObjects, emptyLedger, gatewayRule, ledgerEntries, planMesh } from "../core";
import * as YAML from "yaml";
import { syntheticMesh } from "../bed/syntheticMesh";
import { sleep } from "../bed/procs";

const sizes = (process.env.MULTINET_BENCH_SIZES ?? "2,4,8").split(",").map(Number);
const resultsDir = path.join(__dirname, "results");

interface Requests {
    reads: number[];
    writes: number[];
}

interface Measure {
    seconds: number;
    requests: Requests;
    restarts?: number;
}

/** Audit-log offsets per cluster, so a step counts only its own requests (the admin user's: ours or kubectl's). */
class AuditWindow {
    private readonly offsets: number[];
    constructor(private readonly logs: string[]) {
        this.offsets = logs.map(auditOffset);
    }
    count(): Requests {
        const counts = this.logs.map((log, i) => auditCounts(log, this.offsets[i]));
        return { reads: counts.map((c) => c.reads), writes: counts.map((c) => c.writes) };
    }
}

async function measure(step: () => Promise<unknown>, live?: Live): Promise<Measure> {
    const window = new AuditWindow(readState()!.clusters.map((cl) => cl.auditLog));
    const starts = istiodStarts();
    const started = process.hrtime.bigint();
    await step();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (live) await settle();
    return { seconds, requests: window.count(), restarts: live ? istiodStarts() - starts : undefined };
}

function topology(n: number, joined: number, lastAddress: string): Topology {
    const groups = Array.from({ length: n / 2 }, (_, g) => ({ name: `g${g + 1}`, clusters: [c(2 * g + 1), c(2 * g + 2)] }));
    return {
        meshId: "bench",
        controlPlane: { cluster: c(1) },
        clusters: Array.from({ length: n }, (_, i) => ({ name: c(i + 1), podCidrs: [`10.${i + 1}.0.0/16`] })),
        groups,
        gateways: groups.map((g, i) => ({
            name: `gw-${g.name}`,
            group: g.name,
            cluster: g.clusters[1],
            ...(i === groups.length - 1 ? { address: lastAddress } : {}),
        })),
        interconnect: { members: groups.slice(0, joined).map((g) => ({ group: g.name, gateways: [`gw-${g.name}`] })) },
    };
}

async function ours(n: number): Promise<Record<string, { preview: Measure; up: Measure }>> {
    const live = new Live();
    const stack = new TopologyStack(`bench${n}`);
    await stack.create(n);
    const groups = n / 2;
    const series: Record<string, { preview: Measure; up: Measure }> = {};
    const step = async (name: string, t: Topology) => {
        await stack.setTopology(t);
        const preview = await measure(() => stack.preview());
        const upm = await measure(() => stack.up(), live);
        series[name] = { preview, up: upm };
    };
    try {
        await step("first deployment", topology(n, groups, "203.0.113.200"));
        await step("no-op", topology(n, groups, "203.0.113.200"));
        await stack.apply(topology(n, groups - 1, "203.0.113.200")); // set-up: the last group leaves (not measured)
        await step("one group joins", topology(n, groups, "203.0.113.200"));
        await step("gateway address change", topology(n, groups, "203.0.113.201"));
    } finally {
        await stack.remove();
    }
    return series;
}

/** The same first deployment the way Istio's multi-network guide does it, with kubectl, one command at a time. */
async function kubectlGuide(n: number): Promise<Measure> {
    const state = readState()!;
    const env = { ...process.env, ...bedEnv(state), KUBECACHEDIR: fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-")) };
    const kubectl = (cluster: number, args: string[], input?: string) =>
        execFileSync("kubectl", ["--kubeconfig", state.clusters[cluster - 1].kubeconfig, ...args], { env, input, encoding: "utf8" });
    /** The guide's edit of meshNetworks in the mesh ConfigMap on cluster 1. */
    const patchMeshConfig = (type: "merge" | "json", patch: unknown) =>
        kubectl(1, ["-n", "istio-system", "patch", "configmap", "istio", "--type", type, "-p", JSON.stringify(patch)]);
    const groups = Array.from({ length: n / 2 }, (_, g) => ({ network: `g${g + 1}`, clusters: [2 * g + 1, 2 * g + 2] }));
    const o = { meshId: "guide", owner: "kubectl" };
    const m = await measure(async () => {
        for (const g of groups)
            for (const cl of g.clusters)
                kubectl(cl, ["label", "namespace", "istio-system", `topology.istio.io/network=${g.network}`, "--overwrite"]);
        const addresses: Record<string, string> = {};
        for (const g of groups) {
            const gwCluster = g.clusters[1];
            const objects = eastWestGatewayObjects(o, {
                namespace: "istio-system",
                networkName: g.network,
                clusterId: c(gwCluster),
                replicas: 1,
                serviceAnnotations: {},
            });
            kubectl(gwCluster, ["apply", "-f", "-"], objects.map((x) => YAML.stringify(x)).join("---\n"));
            for (;;) {
                const ip = kubectl(gwCluster, [
                    "-n",
                    "istio-system",
                    "get",
                    "service",
                    "istio-eastwestgateway",
                    "-o",
                    "jsonpath={.status.loadBalancer.ingress[0].ip}",
                ]).trim();
                if (ip) {
                    addresses[g.network] = ip;
                    break;
                }
                await sleep(500);
            }
        }
        kubectl(1, ["apply", "-f", "-"], YAML.stringify(gatewayRule(o, "istio-system")));
        const entries = ledgerEntries({
            ...emptyLedger("kubectl", null),
            joined: Object.fromEntries(groups.map((g) => [g.network, [addresses[g.network]]])),
        });
        patchMeshConfig("merge", { data: { meshNetworks: YAML.stringify({ networks: entries }) } });
        kubectl(1, ["-n", "istio-system", "rollout", "restart", "deployment/istiod"]);
    }, new Live());
    // Undo (not measured), so the next size starts clean.
    for (const g of groups) {
        for (const cl of g.clusters) kubectl(cl, ["label", "namespace", "istio-system", "topology.istio.io/network-"]);
        kubectl(g.clusters[1], [
            "-n",
            "istio-system",
            "delete",
            "deployment,service,serviceaccount",
            "-l",
            "app.kubernetes.io/managed-by=pulumi-multinet",
        ]);
    }
    kubectl(1, ["-n", "istio-system", "delete", "gateway.networking.istio.io", "cross-network-gateway"]);
    patchMeshConfig("json", [{ op: "remove", path: "/data/meshNetworks" }]);
    return m;
}

function plannerTiming(clusters: number): { clusters: number; ms: number } {
    const desired = syntheticMesh(clusters / 2);
    const previous = { ...desired, interconnect: { ...desired.interconnect!, members: desired.interconnect!.members.slice(1) } };
    planMesh(desired, previous); // warm-up
    const runs = 20;
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) {
        const plan = planMesh(desired, previous);
        if (plan.problems.length) throw new Error(plan.problems[0]);
    }
    return { clusters, ms: Number(process.hrtime.bigint() - started) / 1e6 / runs };
}

const fmtReq = (r: Requests) =>
    `${r.reads.reduce((a, b) => a + b, 0)}r/${r.writes.reduce((a, b) => a + b, 0)}w (max/cluster ${Math.max(...r.writes)}w)`;

async function main(): Promise<void> {
    const results: any = {
        when: new Date().toISOString(),
        machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        sizes: {},
    };
    try {
        for (const n of sizes) {
            console.log(`\n== ${n} clusters: starting the bed`);
            await up({ clusters: n }, (msg) => console.log(`   ${msg}`));
            const series = await ours(n);
            const guide = await kubectlGuide(n);
            results.sizes[n] = { ours: series, kubectlGuide: guide };
            console.log(
                `   ${"step".padEnd(24)} ${"preview s".padStart(9)} ${"up s".padStart(7)}  ${"up requests (all clusters)".padEnd(36)} restarts  no-op writes/cluster`,
            );
            for (const [name, s] of Object.entries(series)) {
                const noOpWrites = name === "no-op" ? s.up.requests.writes.join(",") : "";
                const times = `${s.preview.seconds.toFixed(2).padStart(9)} ${s.up.seconds.toFixed(2).padStart(7)}`;
                console.log(
                    `   ${name.padEnd(24)} ${times}  ${fmtReq(s.up.requests).padEnd(36)} ${String(s.up.restarts).padStart(8)}  ${noOpWrites}`,
                );
            }
            const guideTimes = `${"-".padStart(9)} ${guide.seconds.toFixed(2).padStart(7)}`;
            console.log(
                `   ${"kubectl guide (first)".padEnd(24)} ${guideTimes}  ${fmtReq(guide.requests).padEnd(36)} ${String(guide.restarts).padStart(8)}`,
            );
        }
    } finally {
        await down(() => undefined);
    }
    results.planner = [100, 1000].map(plannerTiming);
    console.log("\n== pure planner (no API servers)");
    for (const p of results.planner) console.log(`   ${String(p.clusters).padStart(5)} clusters: ${p.ms.toFixed(2)} ms per plan`);
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, "bench.json"), JSON.stringify(results, null, 2));
    console.log(`\nwrote ${path.relative(process.cwd(), path.join(resultsDir, "bench.json"))}`);
}

main().catch((e) => {
    console.error(`bench: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
});
