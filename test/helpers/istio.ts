// What the real control plane makes of a topology: istiod's debug views, what it sends a proxy, its restarts,
// and what `istioctl analyze` says of each cluster. The truth of a feature is what istiod serves.
import { execFile } from "child_process";
import { bedEnv, istiodDebug, proxyView, readState, XdsEndpoint } from "../../bed/bed";
export { istiodStarts, settle } from "../../bed/istiod";
import { sample } from "../../bed/sample";
import { sleep } from "../../bed/procs";

export { samplePodIps } from "../../bed/sample";

/** Bed cluster N's Istio cluster ID: the control plane's comes from the bed (`--control-plane-id`). */
export function clusterId(n: number): string {
    return n === 1 ? readState()!.istiod!.clusterId : `cluster-${n}`;
}

/** What a sidecar of cluster N in `network` receives for the sample Service (EDS). */
export function sidecarView(n: number, network: string): Promise<XdsEndpoint[]> {
    return proxyView({ cluster: clusterId(n), network }, `${sample.host}:${sample.port}`);
}

export interface NetworkGateway {
    network: string;
    cluster: string;
    address: string;
    port: number;
}

/** istiod's table of network gateways (`/debug/networkz`). */
export async function networkGateways(): Promise<NetworkGateway[]> {
    const gws: any[] = (await istiodDebug("networkz")) ?? [];
    return gws
        .map((g) => ({ network: g.Network, cluster: g.Cluster, address: g.Addr, port: g.Port }))
        .sort((a, b) => `${a.network}${a.address}`.localeCompare(`${b.network}${b.address}`));
}

/** Cluster IDs istiod reads, with their sync status (`/debug/clusterz`). */
export async function istiodClusters(): Promise<Record<string, string>> {
    const cs: any[] = (await istiodDebug("clusterz")) ?? [];
    return Object.fromEntries(cs.map((c) => [c.id, c.syncStatus]));
}

export interface AnalyzerMessage {
    code: string;
    level: string;
    origin: string;
    message: string;
}

/**
 * What `istioctl analyze` still reports on the bed, and why (the README's list): none is a fault of the objects.
 */
export const knownFindings = [
    // The cross-network Gateway selects the east-west gateway pods, which only a kubelet would start.
    { code: "IST0101", origin: "Gateway istio-system/cross-network-gateway" },
    // Kubernetes gives each cluster's LoadBalancer Service its own nodePorts, which the analyzer compares too.
    { code: "IST0170", origin: "Service istio-system/istio-eastwestgateway" },
    // The bed: every API server serves on its own port, so their `kubernetes` Services differ.
    { code: "IST0170", origin: "Service default/kubernetes" },
];

/** `istioctl analyze --all-namespaces` of bed cluster N (with its remote clusters): warnings and errors but the known ones. */
export function analyzeProblems(n: number): Promise<AnalyzerMessage[]> {
    const state = readState()!;
    const args = [
        "analyze",
        "--kubeconfig",
        state.clusters[n - 1].kubeconfig,
        "--all-namespaces",
        "--output",
        "json",
        "--failure-threshold",
        "Error",
    ];
    return new Promise((resolve, reject) =>
        execFile("istioctl", args, { env: { ...process.env, ...bedEnv(state) }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
            try {
                const messages: AnalyzerMessage[] = JSON.parse(stdout || "[]");
                const known = (m: AnalyzerMessage) => knownFindings.some((k) => k.code === m.code && k.origin === m.origin);
                resolve(messages.filter((m) => (m.level === "Warning" || m.level === "Error") && !known(m)));
            } catch {
                reject(new Error(`istioctl analyze on cluster ${n} failed: ${err?.message ?? ""}\n${stdout}\n${stderr}`));
            }
        }),
    );
}

/** Retries `check` (an assertion) until it passes or `timeoutMs` is over: istiod applies changes within moments. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            return await check();
        } catch (e) {
            if (Date.now() > deadline) throw e;
            await sleep(250);
        }
    }
}

/** Endpoints of a view grouped for assertions: plain Pod IPs, and gateway addresses with how often they appear. */
export function summarize(view: XdsEndpoint[]): { direct: string[]; gateways: Record<string, number>; weights: Record<string, number[]> } {
    const direct = view
        .filter((e) => e.port !== 15443)
        .map((e) => e.address)
        .sort();
    const gateways: Record<string, number> = {};
    const weights: Record<string, number[]> = {};
    for (const e of view.filter((e) => e.port === 15443)) {
        gateways[e.address] = (gateways[e.address] ?? 0) + 1;
        (weights[e.address] ??= []).push(e.weight);
    }
    return { direct, gateways, weights };
}
