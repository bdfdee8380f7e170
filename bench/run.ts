// `npm run bench`: what an update costs as the mesh grows, against the kubectl procedure of Istio's multi-network
// guide and against an empty Pulumi program (the engine's floor), on the local bed, in the same run and CLI.
// Topologies of 2, 4 and 8 clusters: groups of two, one gateway each, all interconnected. Also istiod's memory per
// remote cluster and how long a control-plane restart leaves remote clusters unsynced, against a hot reload.
// Prints tables and writes bench/results/bench.json. Figures are measurements, not assertions.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { auditCounts, auditOffset } from "../bed/audit";
import { bedEnv, down, istiodDebug, readState, up } from "../bed/bed";
import { istiodStarts, readStarts, settle } from "../bed/istiod";
import { Stack } from "../bed/stack";
import { clusterName as c, Live, Topology, TopologyStack } from "../bed/topology";
import { benchTopology } from "./topology";
import { metricTotal } from "../provider/istiod";
import type { ClusterzEntry } from "../core/check";
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

/**
 * Pulumi's floor on this machine and CLI, now: an empty program's `preview` and `up --skip-preview` (after one
 * unmeasured `up` that creates its stack resource), through the bed's backend and environment as ours run.
 */
async function emptyProgram(runs = 3): Promise<{ preview: number[]; up: number[] }> {
    const stack = new Stack(path.join(__dirname, "..", "bed", "programs", "empty"), "bench-empty");
    const out = { preview: [] as number[], up: [] as number[] };
    try {
        await stack.init({});
        await stack.up();
        for (let i = 0; i < runs; i++) {
            let t = process.hrtime.bigint();
            await stack.preview();
            out.preview.push(since(t));
            t = process.hrtime.bigint();
            await stack.up();
            out.up.push(since(t));
        }
    } finally {
        await stack.remove();
    }
    return out;
}

/** istiod's resident memory (process_resident_memory_bytes on its monitoring port), in MiB. */
async function istiodRssMiB(): Promise<number> {
    const r = await fetch(`http://127.0.0.1:${readState()!.istiod!.ports.monitoring}/metrics`);
    return metricTotal(await r.text(), "process_resident_memory_bytes") / 2 ** 20;
}

/** Remote clusters istiod reports synced in /debug/clusterz (0 while it is down or starting). */
async function remotesSynced(): Promise<number> {
    const entries: ClusterzEntry[] = (await istiodDebug("clusterz").catch(() => null)) ?? [];
    return entries.filter((e) => e.secretName !== "" && e.syncStatus === "synced").length;
}

async function waitSynced(remotes: number, timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await remotesSynced()) < remotes) {
        if (Date.now() > deadline) throw new Error(`istiod did not sync its ${remotes} remote clusters within ${timeoutMs / 1000} s`);
        await sleep(200);
    }
}

interface Convergence {
    /** The `up` itself. */
    upSeconds: number;
    /** From the start of the `up` to istiod serving every remote cluster synced again, after it. */
    syncedSeconds: number;
    /** How long istiod did not have every remote cluster synced (0: never, as a hot reload keeps them). */
    unsyncedSeconds: number;
    /** From the restarted istiod's start to every remote cluster synced (restarts only). */
    restartToSyncedSeconds?: number;
    /**
     * From the first moment not every remote cluster was synced to the new istiod's start: the old one stopping (the
     * bed stops it before starting the new one, as a Recreate strategy does; a rolling update keeps it serving).
     */
    stoppingSeconds?: number;
}

/** `up`, watching istiod's clusterz every 100 ms until every remote cluster is synced after it. */
async function upUntilSynced(stack: TopologyStack, remotes: number): Promise<Convergence> {
    const starts = istiodStarts();
    const started = Date.now();
    let upDone = false;
    let unsyncedFrom: number | undefined;
    let syncedAgain: number | undefined;
    const watch = (async () => {
        for (;;) {
            const synced = (await remotesSynced()) >= remotes;
            const at = Date.now();
            if (!synced) {
                unsyncedFrom ??= at;
                syncedAgain = undefined;
            } else if (unsyncedFrom !== undefined) syncedAgain ??= at;
            if (upDone && synced) return at;
            if (at - started > 300_000) throw new Error(`istiod did not sync its ${remotes} remote clusters within 300 s`);
            await sleep(100);
        }
    })();
    await stack.up();
    const upSeconds = (Date.now() - started) / 1000;
    upDone = true;
    const end = await watch;
    const restarted = istiodStarts() > starts ? Date.parse(readStarts()!.startedAt) : undefined;
    return {
        upSeconds,
        syncedSeconds: (end - started) / 1000,
        unsyncedSeconds: unsyncedFrom === undefined ? 0 : ((syncedAgain ?? end) - unsyncedFrom) / 1000,
        ...(restarted !== undefined ? { restartToSyncedSeconds: ((syncedAgain ?? end) - restarted) / 1000 } : {}),
        ...(restarted !== undefined && unsyncedFrom !== undefined ? { stoppingSeconds: (restarted - unsyncedFrom) / 1000 } : {}),
    };
}

interface Step {
    preview: Measure;
    up: Measure;
    convergence?: Convergence;
}

interface Ours {
    series: Record<string, Step>;
    istiodRssMiB: { before: number; withRemotes: number; perRemote: number };
}

async function ours(n: number): Promise<Ours> {
    const live = new Live();
    const stack = new TopologyStack(`bench${n}`);
    await stack.create(n);
    const groups = n / 2;
    const remotes = n - 1;
    const series: Record<string, Step> = {};
    const step = async (name: string, t: Topology, watchSync = false) => {
        await stack.setTopology(t);
        const preview = await measure(() => stack.preview());
        let convergence: Convergence | undefined;
        const upm = await measure(async () => {
            if (watchSync) convergence = await upUntilSynced(stack, remotes);
            else await stack.up();
        }, live);
        // The up's own time, not the wait for istiod after it.
        if (convergence) upm.seconds = convergence.upSeconds;
        series[name] = { preview, up: upm, ...(convergence ? { convergence } : {}) };
    };
    const before = await istiodRssMiB(); // no remote cluster yet
    let withRemotes: number;
    try {
        await step("first deployment", benchTopology(n, groups, "203.0.113.200"));
        await waitSynced(remotes);
        await sleep(2000); // its informers filled
        withRemotes = await istiodRssMiB();
        await step("no-op", benchTopology(n, groups, "203.0.113.200"));
        await stack.apply(benchTopology(n, groups - 1, "203.0.113.200")); // set-up: the last group leaves (not measured)
        await step("one group joins", benchTopology(n, groups, "203.0.113.200"), true);
        await step("gateway address change", benchTopology(n, groups, "203.0.113.201"));
        await stack.apply(benchTopology(n, groups - 1, "203.0.113.201", "never")); // set-up, as above
        await step("joins, hot reload", benchTopology(n, groups, "203.0.113.201", "never"), true);
    } finally {
        await stack.remove();
    }
    return { series, istiodRssMiB: { before, withRemotes, perRemote: (withRemotes - before) / remotes } };
}

/**
 * The same first deployment the way Istio's multi-network guide does it, with kubectl, one command at a time, and
 * its endpoint-discovery step (`istioctl create-remote-secret` per remote cluster, applied on cluster 1).
 */
async function kubectlGuide(n: number): Promise<Measure & { remoteSecretSeconds: number }> {
    const state = readState()!;
    const env = { ...process.env, ...bedEnv(state), KUBECACHEDIR: fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-")) };
    const kubectl = (cluster: number, args: string[], input?: string) =>
        execFileSync("kubectl", ["--kubeconfig", state.clusters[cluster - 1].kubeconfig, ...args], { env, input, encoding: "utf8" });
    /** The guide's edit of meshNetworks in the mesh ConfigMap on cluster 1. */
    const patchMeshConfig = (type: "merge" | "json", patch: unknown) =>
        kubectl(1, ["-n", "istio-system", "patch", "configmap", "istio", "--type", type, "-p", JSON.stringify(patch)]);
    const groups = Array.from({ length: n / 2 }, (_, g) => ({ network: `g${g + 1}`, clusters: [2 * g + 1, 2 * g + 2] }));
    const o = { meshId: "guide", owner: "kubectl" };
    let remoteSecretSeconds = 0;
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
        const secretsStarted = process.hrtime.bigint();
        for (let cl = 2; cl <= n; cl++) {
            const secret = execFileSync(
                "istioctl",
                ["create-remote-secret", "--kubeconfig", state.clusters[cl - 1].kubeconfig, "--name", c(cl)],
                { env, encoding: "utf8" },
            );
            kubectl(1, ["apply", "-f", "-"], secret);
        }
        remoteSecretSeconds = since(secretsStarted);
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
    kubectl(1, ["-n", "istio-system", "delete", "secret", "-l", "istio/multiCluster=true"]);
    for (let cl = 2; cl <= n; cl++)
        kubectl(cl, [
            "-n",
            "istio-system",
            "delete",
            "serviceaccount/istio-reader-service-account",
            "secret/istio-reader-service-account-istio-remote-secret-token",
        ]);
    return { ...m, remoteSecretSeconds };
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

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const f = (x: number) => x.toFixed(2);
/** Our cost over the empty program's: difference and ratio. */
const over = (ours: number, empty: number) => `+${f(ours - empty)} s (×${(ours / empty).toFixed(1)})`;

interface Row {
    n: number;
    empty: { preview: number; up: number };
    preview: number;
    firstUp: number;
    noOpUp: number;
    noOpPreview: number;
    noOpUpReadsPerCluster: number;
    noOpPreviewReadsPerCluster: number;
    guide: number;
    guideRemoteSecrets: number;
    rss: Ours["istiodRssMiB"];
    restart: Convergence;
    hot: Convergence;
}

function printSize(n: number, o: Ours, guide: Measure & { remoteSecretSeconds: number }, empty: { preview: number[]; up: number[] }): Row {
    const { series } = o;
    console.log(
        `   ${"step".padEnd(24)} ${"preview s".padStart(9)} ${"up s".padStart(7)}  ${"up requests (all clusters)".padEnd(36)} restarts  no-op writes/cluster`,
    );
    for (const [name, s] of Object.entries(series)) {
        const noOpWrites = name === "no-op" ? s.up.requests.writes.join(",") : "";
        const times = `${f(s.preview.seconds).padStart(9)} ${f(s.up.seconds).padStart(7)}`;
        console.log(
            `   ${name.padEnd(24)} ${times}  ${fmtReq(s.up.requests).padEnd(36)} ${String(s.up.restarts).padStart(8)}  ${noOpWrites}`,
        );
    }
    const guideTimes = `${"-".padStart(9)} ${f(guide.seconds).padStart(7)}`;
    console.log(
        `   ${"kubectl guide (first)".padEnd(24)} ${guideTimes}  ${fmtReq(guide.requests).padEnd(36)} ${String(guide.restarts).padStart(8)}  ` +
            `(remote secrets: ${f(guide.remoteSecretSeconds)} s)`,
    );
    const row: Row = {
        n,
        empty: { preview: median(empty.preview), up: median(empty.up) },
        preview: series["first deployment"].preview.seconds,
        firstUp: series["first deployment"].up.seconds,
        noOpUp: series["no-op"].up.seconds,
        noOpPreview: series["no-op"].preview.seconds,
        noOpUpReadsPerCluster: sum(series["no-op"].up.requests.reads) / n,
        noOpPreviewReadsPerCluster: sum(series["no-op"].preview.requests.reads) / n,
        guide: guide.seconds,
        guideRemoteSecrets: guide.remoteSecretSeconds,
        rss: o.istiodRssMiB,
        restart: series["one group joins"].convergence!,
        hot: series["joins, hot reload"].convergence!,
    };
    const range = (xs: number[]) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
    console.log(
        `   empty program (median of ${empty.up.length}): preview ${f(row.empty.preview)} s (${range(empty.preview)}), ` +
            `up ${f(row.empty.up)} s (${range(empty.up)})`,
    );
    console.log(
        `   ours over it: preview ${over(row.preview, row.empty.preview)}, first up ${over(row.firstUp, row.empty.up)}, ` +
            `no-op up ${over(row.noOpUp, row.empty.up)}, no-op preview ${over(row.noOpPreview, row.empty.preview)}`,
    );
    console.log(
        `   no-op reads per cluster: up ${row.noOpUpReadsPerCluster.toFixed(1)}, preview ${row.noOpPreviewReadsPerCluster.toFixed(1)}`,
    );
    console.log(
        `   istiod resident memory: ${row.rss.before.toFixed(0)} MiB without remote clusters, ${row.rss.withRemotes.toFixed(0)} MiB ` +
            `with ${n - 1}: ${row.rss.perRemote.toFixed(1)} MiB per remote cluster`,
    );
    const conv = (c: Convergence) =>
        `up ${f(c.upSeconds)} s, every remote synced ${f(c.syncedSeconds)} s after its start, unsynced for ${f(c.unsyncedSeconds)} s` +
        (c.restartToSyncedSeconds !== undefined
            ? ` (the old istiod stopping ${f(c.stoppingSeconds ?? 0)} s, the new one synced ${f(c.restartToSyncedSeconds)} s after its start)`
            : "");
    console.log(`   a group joins, restart:    ${conv(row.restart)}`);
    console.log(`   a group joins, hot reload: ${conv(row.hot)}`);
    return row;
}

/** The summary across sizes, as the README's table. */
function printSummary(rows: Row[]): void {
    const lines = [
        "| clusters | empty program preview / up | our preview | our first up | our no-op up (reads/cluster) | our no-op preview | no-op up, preview over empty | kubectl guide, with remote secrets | istiod RSS (per remote) | a join: remotes unsynced, restart / hot reload |",
        "|---|---|---|---|---|---|---|---|---|---|",
        ...rows
            .map((r) =>
                [
                    r.n,
                    `${f(r.empty.preview)} / ${f(r.empty.up)} s`,
                    `${f(r.preview)} s`,
                    `${f(r.firstUp)} s`,
                    `${f(r.noOpUp)} s (${r.noOpUpReadsPerCluster.toFixed(1)})`,
                    `${f(r.noOpPreview)} s`,
                    `${over(r.noOpUp, r.empty.up)}, ${over(r.noOpPreview, r.empty.preview)}`,
                    `${f(r.guide)} s (${f(r.guideRemoteSecrets)} s of it remote secrets)`,
                    `${r.rss.withRemotes.toFixed(0)} MiB (+${r.rss.perRemote.toFixed(1)})`,
                    `${f(r.restart.unsyncedSeconds)} s (synced ${f(r.restart.restartToSyncedSeconds ?? 0)} s after its start) / ${f(r.hot.unsyncedSeconds)} s`,
                ].join(" | "),
            )
            .map((l) => `| ${l} |`),
    ];
    console.log(`\n== summary (seconds)\n${lines.join("\n")}`);
}

async function main(): Promise<void> {
    const results: any = {
        when: new Date().toISOString(),
        machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        sizes: {},
    };
    const rows: Row[] = [];
    try {
        for (const n of sizes) {
            console.log(`\n== ${n} clusters: starting the bed`);
            const started = Date.now();
            await up({ clusters: n }, (msg) => console.log(`   ${msg}`));
            const bedSeconds = (Date.now() - started) / 1000;
            const empty = await emptyProgram();
            const o = await ours(n);
            const guide = await kubectlGuide(n);
            results.sizes[n] = { bedSeconds, emptyProgram: empty, ours: o.series, istiodRssMiB: o.istiodRssMiB, kubectlGuide: guide };
            rows.push(printSize(n, o, guide, empty));
            // What is done is kept, should a larger size fail.
            writeResults(results);
        }
    } finally {
        await down(() => undefined);
    }
    if (rows.length) printSummary(rows);
    results.planner = [100, 1000].map(plannerTiming);
    console.log("\n== pure planner (no API servers)");
    for (const p of results.planner) console.log(`   ${String(p.clusters).padStart(5)} clusters: ${p.ms.toFixed(2)} ms per plan`);
    writeResults(results);
    console.log(`\nwrote ${path.relative(process.cwd(), path.join(resultsDir, "bench.json"))}`);
}

function writeResults(results: unknown): void {
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, "bench.json"), JSON.stringify(results, null, 2));
}

main().catch((e) => {
    console.error(`bench: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
});
