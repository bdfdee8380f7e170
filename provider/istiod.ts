// Reaching istiod's debug views, as istioctl does (pkg/kube/client.go, AllDiscoveryDo): every Running, Ready pod of
// the control plane's Deployment, through a port-forward to its monitoring port (the pod's prometheus.io/port
// annotation, else 15014), or a debug URL given for an istiod that is not a pod of the cluster (hosted control
// planes). Used by `pulumi-multinet check` and by the providers that wait for istiod.
import { Cluster, ClusterAccess } from "./kube";
import { UserError } from "./errors";
import type { ClusterzEntry, ConnectedProxy, HeldEndpoint, IstiodView, NetworkzEntry } from "../core/check";
import type { KubeObject } from "../core/render";

/** Where istiod runs: its Deployment on the control-plane cluster, or a debug URL. */
export interface IstiodTarget {
    access: ClusterAccess;
    namespace: string;
    deployment: string;
    /** istiod's debug address (`http://host:15014`) when it is not a pod of the control-plane cluster. */
    debugUrl?: string;
}

/** The views a caller needs (endpointShardz is the largest: read only when asked). */
export type ViewPart = "clusters" | "gateways" | "endpoints" | "proxies" | "secretEvents";

/** istiod could not be reached: what happened and what to do. */
export class IstiodUnreachable extends UserError {
    constructor(
        message: string,
        readonly fix: string,
    ) {
        super(message);
    }
}

type Pod = KubeObject & {
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
};

const monitoringPort = 15014;

/** The Running, Ready pods of istiod's Deployment (its selector), sorted by name. */
export async function istiodPods(c: Cluster, namespace: string, deployment: string): Promise<Pod[]> {
    const d = await c.get<KubeObject & { spec?: { selector?: { matchLabels?: Record<string, string> } } }>(
        "apps/v1",
        "Deployment",
        deployment,
        namespace,
    );
    if (!d) {
        throw new IstiodUnreachable(
            `Deployment ${namespace}/${deployment} does not exist on cluster "${c.name}"`,
            `name istiod's Deployment (controlPlane.deployment, or --deployment), or pass istiod's debug URL (--istiod-debug) for a hosted control plane`,
        );
    }
    const selector = Object.entries(d.spec?.selector?.matchLabels ?? { app: "istiod" })
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    const pods = await c.list<Pod>("v1", "Pod", selector, namespace);
    return pods
        .filter((p) => p.status?.phase === "Running" && p.status.conditions?.some((x) => x.type === "Ready" && x.status === "True"))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** One istiod to read: its name and a reader of its paths' text. */
interface Reader {
    source: string;
    text(path: string): Promise<string>;
}

function answered(source: string, path: string, status: number, body: string): string {
    if (status !== 200)
        throw new IstiodUnreachable(`${source} answered ${path} with ${status}: ${body.slice(0, 200)}`, "check istiod's log");
    return body;
}

const json = async (reader: Reader, path: string): Promise<any> => {
    const body = await reader.text(path);
    return body.trim() === "" ? null : JSON.parse(body);
};

function urlReader(debugUrl: string): Reader {
    const base = debugUrl.replace(/\/+$/, "");
    return {
        source: base,
        async text(path) {
            let r: Response;
            try {
                r = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(20_000) });
            } catch (e) {
                throw new IstiodUnreachable(
                    `istiod at ${base} did not answer ${path} (${(e as Error).message})`,
                    "check the istiod debug URL",
                );
            }
            return answered(base, path, r.status, await r.text());
        },
    };
}

function podReader(c: Cluster, namespace: string, pod: Pod): Reader {
    const port = Number(pod.metadata.annotations?.["prometheus.io/port"] ?? monitoringPort);
    const source = `Pod ${namespace}/${pod.metadata.name}`;
    return {
        source,
        async text(path) {
            let r: { status: number; body: string };
            try {
                r = await c.podGet(namespace, pod.metadata.name, port, path);
            } catch (e) {
                const forbidden = /response: 403/.test((e as Error).message);
                throw new IstiodUnreachable(
                    `cluster "${c.name}": ${source} could not be reached on port ${port} for ${path} (${(e as Error).message})`,
                    forbidden
                        ? `grant the kubeconfig's user create on pods/portforward in ${namespace}, or give istiod's debug URL`
                        : `check that istiod serves its debug endpoints on port ${port} (ENABLE_DEBUG_ON_HTTP)`,
                );
            }
            return answered(source, path, r.status, r.body);
        },
    };
}

/** A reader of every ready istiod (or of the debug URL given). Throws IstiodUnreachable when there is none. */
async function readers(target: IstiodTarget): Promise<Reader[]> {
    if (target.debugUrl) return [urlReader(target.debugUrl)];
    const c = Cluster.connect(target.access);
    const pods = await istiodPods(c, target.namespace, target.deployment);
    if (pods.length === 0) {
        throw new IstiodUnreachable(
            `no Running and Ready pod of Deployment ${target.namespace}/${target.deployment} on cluster "${c.name}"`,
            `check istiod (kubectl -n ${target.namespace} get pods -l app=istiod), or give istiod's debug URL for a hosted control plane`,
        );
    }
    return pods.map((p) => podReader(c, target.namespace, p));
}

export function endpointsOf(shardz: any): HeldEndpoint[] {
    const out: HeldEndpoint[] = [];
    for (const [service, byNamespace] of Object.entries<any>(shardz ?? {})) {
        for (const [namespace, entry] of Object.entries<any>(byNamespace ?? {})) {
            for (const list of Object.values<any[]>(entry?.Shards ?? {})) {
                for (const e of list ?? []) {
                    for (const address of e.Addresses ?? (e.Address ? [e.Address] : [])) {
                        out.push({ service, namespace, address, cluster: e.Locality?.ClusterID ?? "", network: e.Network ?? "" });
                    }
                }
            }
        }
    }
    return out;
}

/** Connected proxies: adsz (their metadata as sent) joined with syncz (their type), by proxy id `<pod>.<namespace>`. */
export function proxiesOf(adsz: any, syncz: any): ConnectedProxy[] {
    const types = new Map<string, string>(((syncz as any[]) ?? []).map((s) => [s.proxy, s.proxy_type ?? ""]));
    return ((adsz?.clients as any[]) ?? []).map((client) => {
        const id = String(client.connectionId ?? "").replace(/-\d+$/, "");
        return { id, type: types.get(id) ?? "", cluster: client.metadata?.CLUSTER_ID ?? "", network: client.metadata?.NETWORK ?? "" };
    });
}

/**
 * How many remote-secret events istiod has received (its counter remote_cluster_secret_events_total, every event
 * kind), from its Prometheus text on the monitoring port: a change of a remote secret it has seen moves it.
 */
export function secretEventsOf(metrics: string): number {
    return metricTotal(metrics, "remote_cluster_secret_events_total");
}

/** A metric's value in Prometheus text, summed over its label sets (0 when absent). */
export function metricTotal(metrics: string, name: string): number {
    let total = 0;
    for (const m of metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "gm"))) total += Number(m[1]);
    return total;
}

/** What one istiod serves: the parts asked for (the others empty). */
async function readView(reader: Reader, parts: ViewPart[]): Promise<IstiodView> {
    const want = (p: ViewPart) => parts.includes(p);
    const [clusters, gateways, shardz, adsz, syncz, metrics] = await Promise.all([
        want("clusters") ? json(reader, "/debug/clusterz") : null,
        want("gateways") ? json(reader, "/debug/networkz") : null,
        want("endpoints") ? json(reader, "/debug/endpointShardz") : null,
        want("proxies") ? json(reader, "/debug/adsz") : null,
        want("proxies") ? json(reader, "/debug/syncz") : null,
        want("secretEvents") ? reader.text("/metrics") : null,
    ]);
    return {
        source: reader.source,
        clusters: (clusters as ClusterzEntry[] | null) ?? [],
        gateways: (gateways as NetworkzEntry[] | null) ?? [],
        endpoints: endpointsOf(shardz),
        proxies: proxiesOf(adsz, syncz),
        ...(metrics !== null ? { secretEvents: secretEventsOf(metrics) } : {}),
    };
}

/** What every ready istiod serves now. Throws IstiodUnreachable when one cannot be read. */
export async function istiodViews(target: IstiodTarget, parts: ViewPart[]): Promise<IstiodView[]> {
    return Promise.all((await readers(target)).map((r) => readView(r, parts)));
}
