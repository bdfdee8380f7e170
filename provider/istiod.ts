// Reaching istiod's debug views, as istioctl does (pkg/kube/client.go, AllDiscoveryDo): every Running, Ready pod of
// the control plane's Deployment, through a port-forward to its monitoring port (the pod's prometheus.io/port
// annotation, else 15014), or a debug URL given for an istiod that is not a pod of the cluster (hosted control
// planes). Used by `pulumi-multinet check` and by the providers that wait for istiod.
import { Cluster, ClusterAccess, Forward } from "./kube";
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
export type ViewPart = "clusters" | "gateways" | "endpoints" | "proxies";

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

async function getJson(base: string, path: string, source: string, forward?: Forward): Promise<any> {
    let r: Response;
    try {
        r = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(20_000) });
    } catch (e) {
        const refused = forward?.failures.filter(Boolean).join("; ");
        throw new IstiodUnreachable(
            `${source} did not answer ${path} (${refused || (e as Error).message})`,
            forward
                ? `check that istiod serves its debug endpoints on port ${monitoringPort} (ENABLE_DEBUG_ON_HTTP) and that you may create pods/portforward in its namespace`
                : "check the istiod debug URL",
        );
    }
    if (!r.ok) throw new IstiodUnreachable(`${source} answered ${path} with ${r.status}`, "check istiod's log");
    const text = await r.text();
    return text.trim() === "" ? null : JSON.parse(text);
}

/** One istiod to read: its name and a JSON reader of its debug paths. */
interface Reader {
    source: string;
    get(path: string): Promise<any>;
}

/** Runs `use` with a reader of every ready istiod (or of the debug URL), closing the port-forwards after. */
export async function withIstiods<T>(target: IstiodTarget, use: (readers: Reader[]) => Promise<T>): Promise<T> {
    if (target.debugUrl) {
        const base = target.debugUrl.replace(/\/+$/, "");
        return use([{ source: base, get: (p) => getJson(base, p, base) }]);
    }
    const c = Cluster.connect(target.access);
    const pods = await istiodPods(c, target.namespace, target.deployment);
    if (pods.length === 0) {
        throw new IstiodUnreachable(
            `no Running and Ready pod of Deployment ${target.namespace}/${target.deployment} on cluster "${c.name}"`,
            `check istiod (kubectl -n ${target.namespace} get pods -l app=istiod), or pass istiod's debug URL for a hosted control plane`,
        );
    }
    const forwards: Forward[] = [];
    try {
        const readers = await Promise.all(
            pods.map(async (pod) => {
                const port = Number(pod.metadata.annotations?.["prometheus.io/port"] ?? monitoringPort);
                const f = await c.forward(target.namespace, pod.metadata.name, port);
                forwards.push(f);
                const source = `Pod ${target.namespace}/${pod.metadata.name}`;
                return { source, get: (p: string) => getJson(f.url, p, source, f) };
            }),
        );
        return await use(readers);
    } finally {
        await Promise.all(forwards.map((f) => f.close()));
    }
}

function endpointsOf(shardz: any): HeldEndpoint[] {
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
function proxiesOf(adsz: any, syncz: any): ConnectedProxy[] {
    const types = new Map<string, string>(((syncz as any[]) ?? []).map((s) => [s.proxy, s.proxy_type ?? ""]));
    return ((adsz?.clients as any[]) ?? []).map((client) => {
        const id = String(client.connectionId ?? "").replace(/-\d+$/, "");
        return { id, type: types.get(id) ?? "", cluster: client.metadata?.CLUSTER_ID ?? "", network: client.metadata?.NETWORK ?? "" };
    });
}

/** What one istiod serves: the parts asked for (the others empty). */
async function readView(reader: Reader, parts: ViewPart[]): Promise<IstiodView> {
    const want = (p: ViewPart) => parts.includes(p);
    const [clusters, gateways, shardz, adsz, syncz] = await Promise.all([
        want("clusters") ? reader.get("/debug/clusterz") : null,
        want("gateways") ? reader.get("/debug/networkz") : null,
        want("endpoints") ? reader.get("/debug/endpointShardz") : null,
        want("proxies") ? reader.get("/debug/adsz") : null,
        want("proxies") ? reader.get("/debug/syncz") : null,
    ]);
    return {
        source: reader.source,
        clusters: (clusters as ClusterzEntry[] | null) ?? [],
        gateways: (gateways as NetworkzEntry[] | null) ?? [],
        endpoints: endpointsOf(shardz),
        proxies: proxiesOf(adsz, syncz),
    };
}

/** What every ready istiod serves now. Throws IstiodUnreachable when none can be read. */
export function istiodViews(target: IstiodTarget, parts: ViewPart[]): Promise<IstiodView[]> {
    return withIstiods(target, (readers) => Promise.all(readers.map((r) => readView(r, parts))));
}
