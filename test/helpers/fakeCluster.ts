// An in-memory API server behind provider/kube.ts's Cluster surface, so that unit tests run the providers'
// decisions in milliseconds, as istioctl tests create-remote-secret against kube.NewFakeClient. It keeps objects by
// kind, namespace and name, and answers as an API server does where the providers decide on the answer:
// server-side apply with field managers (a field another manager holds with another value is a 409 naming it;
// `force` takes it; fields a manager stops applying go unless another holds them), JSON merge patches with a
// resourceVersion precondition, label-selector lists, SelfSubjectAccessReviews, and istiod's debug paths through
// podGet. Its errors are Status bodies as the API server sends them, mapped by Cluster's own error mapping, so the
// providers see the ClusterErrors they see in use. Controllers fill what a cluster's would: reader tokens, load-
// balancer addresses, Deployment rollouts. Lists are atomic (a whole list is one field), which decides conflicts
// as the real map-lists do for the objects the providers write.
import { Cluster, ClusterError, testClusters } from "../../provider/kube";
import type { KubeObject } from "../../core/render";
import type { NetworkzEntry, ClusterzEntry } from "../../core/check";
import * as YAML from "yaml";
import { injectorWebhook, istioMeshConfig, istioSystemNamespace, istiodDeployment } from "../../bed/seed";

type Obj = KubeObject & { metadata: KubeObject["metadata"] & Record<string, any> } & Record<string, any>;
type Path = string[];

/** One operation the providers ask of a cluster, as a hook sees it before it is answered. */
export interface Call {
    verb: "get" | "list" | "apply" | "patch" | "delete" | "may" | "podGet";
    kind?: string;
    name?: string;
    namespace?: string;
    manager?: string;
}

/** Cluster-scoped kinds among those the providers touch. */
const clusterScoped = new Set([
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "MutatingWebhookConfiguration",
    "CustomResourceDefinition",
]);

/** Fields that are not managed: identity, bookkeeping and the status subresource. */
function managed(path: Path): boolean {
    const [top, second] = path;
    if (top === "apiVersion" || top === "kind" || top === "status") return false;
    return !(
        top === "metadata" &&
        ["name", "namespace", "resourceVersion", "generation", "uid", "creationTimestamp", "managedFields"].includes(second)
    );
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: any): any {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === "object")
        return Object.fromEntries(
            Object.keys(v)
                .sort()
                .map((k) => [k, canonical(v[k])]),
        );
    return v;
}

/** The leaf paths of a value: scalars and lists (atomic). An empty map sets nothing, as in an apply. */
function leaves(v: any, prefix: Path = []): Path[] {
    if (v && typeof v === "object" && !Array.isArray(v))
        return Object.entries(v).flatMap(([k, x]) => (x === undefined ? [] : leaves(x, [...prefix, k])));
    return [prefix];
}

const key = (p: Path) => JSON.stringify(p);
const unkey = (k: string): Path => JSON.parse(k);

function at(obj: any, path: Path): any {
    return path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}

function put(obj: any, path: Path, value: unknown): void {
    let o = obj;
    for (const k of path.slice(0, -1)) {
        if (!o[k] || typeof o[k] !== "object" || Array.isArray(o[k])) o[k] = {};
        o = o[k];
    }
    o[path[path.length - 1]] = clone(value);
}

/** Removes a field, and the maps it leaves empty. */
function remove(obj: any, path: Path): void {
    const parents = [obj];
    for (const k of path.slice(0, -1)) {
        const next = parents[parents.length - 1]?.[k];
        if (!next || typeof next !== "object") return;
        parents.push(next);
    }
    delete parents[parents.length - 1][path[path.length - 1]];
    for (let i = parents.length - 1; i > 0; i--) {
        if (Object.keys(parents[i]).length > 0) break;
        delete parents[i - 1][path[i - 1]];
    }
}

/** RFC 7386: maps merge, null removes, anything else replaces. */
function mergePatchInto(target: any, patch: any): any {
    if (!patch || typeof patch !== "object" || Array.isArray(patch)) return clone(patch);
    const out = target && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete out[k];
        else out[k] = mergePatchInto(out[k], v);
    }
    return out;
}

/** A field path as the API server prints it in a conflict: `.spec.replicas`. */
const dotted = (p: Path) => p.map((k) => `.${k}`).join("");

/** The `f:` form of managedFields' fieldsV1. */
function fieldsV1(paths: Path[]): object {
    const root: any = {};
    for (const p of paths) {
        let o = root;
        for (const k of p) o = o[`f:${k}`] ??= {};
    }
    return root;
}

function plural(kind: string): string {
    const lower = kind.toLowerCase();
    return lower.endsWith("s") ? `${lower}es` : lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : `${lower}s`;
}

/** An error as @kubernetes/client-node raises an API server's answer: the status code and the Status body. */
export function apiAnswer(code: number, message: string, extra: object = {}): Error {
    const body = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code, ...extra };
    return Object.assign(new Error(`HTTP-Code: ${code}\nMessage: ${message}`), { code, body: JSON.stringify(body) });
}

interface Entry {
    obj: Obj;
    /** Field owners: `manager\0operation` -> the fields it holds. */
    owners: Map<string, Set<string>>;
}

export interface FakeClusterOptions {
    /** The API server's address (`server` of the kubeconfig). */
    server?: string;
    caData?: string;
    tlsServerName?: string;
}

/** An API server in memory behind Cluster's public surface (tsc says when that surface grows). */
export class FakeCluster implements Pick<Cluster, keyof Cluster> {
    readonly server: string;
    readonly caData: string;
    readonly tlsServerName?: string;
    /** Every write answered, in order: `verb Kind namespace/name by manager` (the audit log's writes). */
    readonly writes: string[] = [];
    /** The cluster cannot be reached: every request fails as a refused connection does. */
    unreachable = false;
    /** Whether the Deployment controller rolls out a changed Deployment (at once). */
    rollsOut = true;
    /** Whether the token controller fills reader token Secrets. */
    tokens = true;
    /** The load balancer's answer for a LoadBalancer Service (undefined: it gives none); default: loadBalancerIP or the next free. */
    loadBalancer: ((svc: Obj) => string | undefined) | undefined = (svc) => svc.spec?.loadBalancerIP ?? `192.0.2.${++this.assigned}`;
    /** The access review's answer; default: allowed. */
    allows: (verb: string, group: string, resource: string, namespace?: string) => boolean = () => true;
    /** istiod's debug server on its pods (podGet): path -> answer; undefined: nothing listens. */
    istiod?: (path: string) => { status: number; body: string };
    /** Runs before each operation is answered: it may throw (the answer) or change objects (a racing writer). */
    before?: (call: Call) => void;
    private readonly objects = new Map<string, Entry>();
    private version = 100;
    private assigned = 0;

    constructor(
        readonly name: string,
        opts: FakeClusterOptions = {},
    ) {
        this.server = opts.server ?? "https://127.0.0.1:1";
        this.caData = opts.caData ?? Buffer.from(`CA of ${name}`).toString("base64");
        this.tlsServerName = opts.tlsServerName;
    }

    // ---- the Cluster surface ----

    async get<T extends KubeObject>(_apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | undefined> {
        return this.answer({ verb: "get", kind, name, namespace }, () => {
            // As @kubernetes/client-node refuses a read without a name before sending it.
            if (!name) throw new Error("Required spec property name is not set");
            const e = this.objects.get(this.id(kind, name, namespace));
            return e && (this.render(e) as T);
        });
    }

    async list<T extends KubeObject>(_apiVersion: string, kind: string, labelSelector: string, namespace?: string): Promise<T[]> {
        return this.answer({ verb: "list", kind, namespace }, () =>
            [...this.objects.values()]
                .filter((e) => e.obj.kind === kind && (!namespace || e.obj.metadata.namespace === namespace))
                .filter((e) => selects(labelSelector, e.obj.metadata.labels ?? {}))
                .map((e) => this.render(e) as T),
        );
    }

    async apply<T extends KubeObject>(obj: KubeObject, manager: string, force: boolean): Promise<T> {
        const { kind, metadata } = obj;
        return this.answer(
            { verb: "apply", kind, name: metadata.name, namespace: metadata.namespace, manager },
            () => this.serverSideApply(obj, manager, force) as T,
        );
    }

    async mergePatch<T extends KubeObject>(
        _apiVersion: string,
        kind: string,
        name: string,
        namespace: string | undefined,
        patch: object,
        manager: string,
    ): Promise<T> {
        return this.answer({ verb: "patch", kind, name, namespace, manager }, () => {
            const id = this.id(kind, name, namespace);
            const e = this.objects.get(id);
            if (!e) throw apiAnswer(404, `${plural(kind)} "${name}" not found`, { reason: "NotFound" });
            const precondition = (patch as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
            if (precondition !== undefined && precondition !== e.obj.metadata.resourceVersion) throw this.modified(kind, name);
            const next = mergePatchInto(e.obj, patch) as Obj;
            next.metadata = { ...next.metadata, resourceVersion: e.obj.metadata.resourceVersion };
            this.update(e, next, manager);
            this.writes.push(`patch ${kind} ${namespace ?? ""}/${name} by ${manager}`);
            return this.render(e) as T;
        });
    }

    async delete(_apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
        return this.answer({ verb: "delete", kind, name, namespace }, () => {
            if (this.objects.delete(this.id(kind, name, namespace))) this.writes.push(`delete ${kind} ${namespace ?? ""}/${name}`);
        });
    }

    async may(verb: string, group: string, resource: string, namespace?: string): Promise<boolean> {
        return this.answer({ verb: "may", kind: "SelfSubjectAccessReview" }, () => this.allows(verb, group, resource, namespace));
    }

    async podGet(namespace: string, pod: string, port: number, path: string): Promise<{ status: number; body: string }> {
        if (this.unreachable) throw new Error(`pods/portforward of ${namespace}/${pod}: connect ECONNREFUSED`);
        this.before?.({ verb: "podGet", kind: "Pod", name: pod, namespace });
        if (!this.objects.has(this.id("Pod", pod, namespace)))
            throw new Error(`pods/portforward of ${namespace}/${pod}: Unexpected server response: 404`);
        if (!this.istiod) throw new Error(`error forwarding port ${port} to pod ${pod}: connection refused`);
        return this.istiod(path);
    }

    // ---- for tests: objects as others make and change them ----

    /** Registers this cluster under its name: the providers' Cluster.connect returns it. */
    register(): this {
        testClusters.set(this.name, this as unknown as Cluster);
        return this;
    }

    /** Creates or replaces an object as another tool does (an Update by `manager`, e.g. Istio's installer). */
    seed(obj: object, manager = "istio-installer"): this {
        const o = clone(obj) as Obj;
        const id = this.id(o.kind, o.metadata.name, o.metadata.namespace);
        const e = this.objects.get(id) ?? this.create(o);
        this.update(e, { ...o, metadata: { ...o.metadata, resourceVersion: e.obj.metadata.resourceVersion } }, manager);
        return this;
    }

    /** A change by hand (kubectl edit, label, annotate): a merge patch by `manager`, unguarded. */
    edit(kind: string, name: string, namespace: string | undefined, patch: object, manager = "kubectl-edit"): void {
        const e = this.objects.get(this.id(kind, name, namespace));
        if (!e) throw new Error(`no ${kind} ${namespace ?? ""}/${name} to edit`);
        this.update(e, mergePatchInto(e.obj, patch), manager);
    }

    /** An object as stored (managedFields included), or undefined; no hook runs, nothing is recorded. */
    peek(kind: string, name: string, namespace?: string): Obj | undefined {
        const e = this.objects.get(this.id(kind, name, namespace));
        return e && this.render(e);
    }

    /** Deletes an object behind the providers' back (by hand, or with Istio's uninstall). */
    drop(kind: string, name: string, namespace?: string): void {
        this.objects.delete(this.id(kind, name, namespace));
    }

    /** `Kind namespace/name` of every object, sorted. */
    inventory(): string[] {
        return [...this.objects.values()].map((e) => `${e.obj.kind} ${e.obj.metadata.namespace ?? ""}/${e.obj.metadata.name}`).sort();
    }

    /** Fields `manager` holds on an object, as `.a.b` paths. */
    fieldsOf(kind: string, name: string, namespace: string | undefined, manager: string): string[] {
        const e = this.objects.get(this.id(kind, name, namespace));
        const held = [...(e?.owners ?? [])].filter(([m]) => m.split("\0")[0] === manager).flatMap(([, f]) => [...f]);
        return held.map((k) => dotted(unkey(k))).sort();
    }

    // ---- the API server ----

    private id(kind: string, name: string, namespace?: string): string {
        return `${kind}/${clusterScoped.has(kind) ? "" : (namespace ?? "")}/${name}`;
    }

    private answer<T>(call: Call, work: () => T): Promise<T> {
        try {
            if (this.unreachable)
                throw Object.assign(new Error(`request to ${this.server} failed, reason: connect ECONNREFUSED`), { code: "ECONNREFUSED" });
            this.before?.(call);
            return Promise.resolve(work());
        } catch (e) {
            if (e instanceof ClusterError || !(e instanceof Error)) return Promise.reject(e);
            const verb = call.verb === "may" ? "create" : call.verb === "podGet" ? "get" : call.verb;
            // Cluster's own mapping of an API server's answer (private; the fake has the fields it reads).
            return Promise.reject((Cluster.prototype as any).error.call(this, e, verb, call.kind, call.name, call.namespace));
        }
    }

    private modified(kind: string, name: string): Error {
        return apiAnswer(
            409,
            `Operation cannot be fulfilled on ${plural(kind)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            { reason: "Conflict", details: { name, kind: plural(kind) } },
        );
    }

    private create(o: Obj): Entry {
        const ns = o.metadata.namespace;
        if (!clusterScoped.has(o.kind) && ns && !this.objects.has(this.id("Namespace", ns)))
            throw apiAnswer(404, `namespaces "${ns}" not found`, { reason: "NotFound" });
        const e: Entry = {
            obj: { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(ns ? { namespace: ns } : {}) } },
            owners: new Map(),
        };
        if (o.spec !== undefined) e.obj.metadata.generation = 0;
        this.objects.set(this.id(o.kind, o.metadata.name, ns), e);
        return e;
    }

    /** Server-side apply: merge the fields, check ownership, drop what the manager no longer applies. */
    private serverSideApply(obj: KubeObject, manager: string, force: boolean): Obj {
        const config = clone(obj) as Obj;
        delete config.status;
        const precondition = config.metadata.resourceVersion;
        delete config.metadata.resourceVersion;
        const existing = this.objects.get(this.id(config.kind, config.metadata.name, config.metadata.namespace));
        if (precondition !== undefined && existing && precondition !== existing.obj.metadata.resourceVersion)
            throw this.modified(config.kind, config.metadata.name);
        const fields = leaves(config).filter(managed);
        const me = `${manager}\0Apply`;
        const current = existing?.obj ?? {};
        const conflicts: { manager: string; path: Path }[] = [];
        for (const p of fields) {
            if (same(at(current, p), at(config, p))) continue;
            for (const [owner, held] of existing?.owners ?? []) {
                const name = owner.split("\0")[0];
                if (name !== manager && held.has(key(p))) conflicts.push({ manager: name, path: p });
            }
        }
        if (conflicts.length && !force) {
            const n = conflicts.length;
            throw apiAnswer(
                409,
                `Apply failed with ${n} conflict${n > 1 ? "s" : ""}: ` +
                    conflicts.map((c) => `conflict with "${c.manager}" using ${config.apiVersion}: ${dotted(c.path)}`).join("\n"),
                {
                    reason: "Conflict",
                    details: {
                        causes: conflicts.map((c) => ({
                            reason: "FieldManagerConflict",
                            message: `conflict with "${c.manager}" using ${config.apiVersion}`,
                            field: dotted(c.path),
                        })),
                    },
                },
            );
        }
        const e = existing ?? this.create(config);
        const before = JSON.stringify(this.render(e));
        const next = clone(e.obj);
        for (const p of fields) put(next, p, at(config, p));
        const applied = new Set(fields.map(key));
        // Fields this manager applied before and applies no more go, unless another manager holds them too.
        for (const k of e.owners.get(me) ?? []) {
            if (applied.has(k)) continue;
            const shared = [...e.owners].some(([owner, held]) => owner !== me && held.has(k));
            if (!shared) remove(next, unkey(k));
        }
        if (force) for (const c of conflicts) for (const [, held] of e.owners) held.delete(key(c.path));
        e.owners.set(me, applied);
        this.store(e, next);
        if (JSON.stringify(this.render(e)) !== before || !existing)
            this.writes.push(`apply ${config.kind} ${config.metadata.namespace ?? ""}/${config.metadata.name} by ${manager}`);
        return this.render(e);
    }

    /** An Update by `manager`: it holds the fields it changed, which others no longer hold; removed fields are no one's. */
    private update(e: Entry, next: Obj, manager: string): void {
        const before = new Map(
            leaves(e.obj)
                .filter(managed)
                .map((p) => [key(p), at(e.obj, p)]),
        );
        const after = new Map(
            leaves(next)
                .filter(managed)
                .map((p) => [key(p), at(next, p)]),
        );
        const me = `${manager}\0Update`;
        const mine = e.owners.get(me) ?? new Set<string>();
        for (const [k, v] of after) {
            if (before.has(k) && same(before.get(k), v)) continue;
            for (const [, held] of e.owners) held.delete(k);
            mine.add(k);
        }
        for (const k of before.keys()) if (!after.has(k)) for (const [, held] of e.owners) held.delete(k);
        e.owners.set(me, mine);
        this.store(e, next);
    }

    /** Stores the new content: a new resourceVersion when it changed, a new generation when its spec did, controllers run. */
    private store(e: Entry, next: Obj): void {
        delete next.metadata.managedFields;
        next.metadata.generation ??= e.obj.metadata.generation;
        // Typed objects omit empty maps (omitempty): a patch that removes the last annotation leaves none.
        for (const [o, k] of [
            [next.metadata, "labels"],
            [next.metadata, "annotations"],
            [next, "data"],
        ] as const)
            if (o[k] && typeof o[k] === "object" && Object.keys(o[k]).length === 0) delete o[k];
        for (const [owner, held] of e.owners) if (held.size === 0) e.owners.delete(owner);
        if (!same(e.obj.spec, next.spec) && next.metadata.generation !== undefined) next.metadata.generation += 1;
        const changed = !same(
            { ...e.obj, metadata: { ...e.obj.metadata, resourceVersion: 0 } },
            { ...next, metadata: { ...next.metadata, resourceVersion: 0 } },
        );
        if (changed || next.metadata.resourceVersion === undefined) next.metadata.resourceVersion = String(++this.version);
        e.obj = next;
        this.controllers(e);
    }

    /** What a cluster's controllers do at once: the token controller, a load balancer, the Deployment controller. */
    private controllers(e: Entry): void {
        const o = e.obj;
        if (o.kind === "Secret" && o.type === "kubernetes.io/service-account-token" && this.tokens && !o.data?.token) {
            o.data = {
                ...o.data,
                token: Buffer.from(`token of ${o.metadata.name} on ${this.name}`).toString("base64"),
                "ca.crt": this.caData,
            };
            e.owners.set("kube-controller-manager\0Update", new Set(["token", "ca.crt"].map((k) => key(["data", k]))));
        }
        if (o.kind === "Service" && o.spec?.type === "LoadBalancer") {
            // An address once given stays, unless a requested one differs from it.
            const now = o.status?.loadBalancer?.ingress?.[0]?.ip;
            const address = !now || (o.spec.loadBalancerIP && o.spec.loadBalancerIP !== now) ? this.loadBalancer?.(o) : undefined;
            if (address) o.status = { loadBalancer: { ingress: [{ ip: address }] } };
        }
        if (o.kind === "Deployment" && (this.rollsOut || !o.status)) {
            const replicas = o.spec?.replicas ?? 1;
            const generation = o.metadata.generation;
            o.status = { observedGeneration: generation, replicas, updatedReplicas: replicas, availableReplicas: replicas };
        }
    }

    private render(e: Entry): Obj {
        const o = clone(e.obj);
        const managedFields = [...e.owners].map(([owner, held]) => {
            const [manager, operation] = owner.split("\0");
            return { manager, operation, apiVersion: o.apiVersion, fieldsType: "FieldsV1", fieldsV1: fieldsV1([...held].map(unkey)) };
        });
        o.metadata = { ...o.metadata, managedFields } as Obj["metadata"];
        return o;
    }
}

/** Kubernetes label-selector text: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-joined; "" selects everything. */
export function selects(selector: string, labels: Record<string, string>): boolean {
    return selector
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .every((term) => {
            const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
            if (m) return m[2] === "!=" ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
            if (term.startsWith("!")) return !(term.slice(1) in labels);
            return term in labels;
        });
}

/** Forgets every registered fake: Cluster.connect makes clients again. */
export function clearFakeClusters(): void {
    testClusters.clear();
}

/**
 * A cluster with Istio installed as the bed seeds it (bed/seed.ts): the Istio namespace and the sidecar injector's
 * webhooks; with `controlPlane`, the mesh ConfigMap and istiod (its Deployment, CLUSTER_ID `clusterId`, and a
 * Running, Ready pod). Registered under its name.
 */
export function istioCluster(name: string, opts: FakeClusterOptions & { controlPlane?: boolean; clusterId?: string } = {}): FakeCluster {
    const c = new FakeCluster(name, opts).seed(istioSystemNamespace).seed(injectorWebhook());
    if (opts.controlPlane) {
        const deployment = istiodDeployment(opts.clusterId ?? name);
        c.seed(istioMeshConfig).seed(deployment);
        c.seed({
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
                name: "istiod-5d8f7c-abcde",
                namespace: "istio-system",
                labels: deployment.spec.template.metadata.labels,
                annotations: deployment.spec.template.metadata.annotations,
            },
            status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
        });
    }
    return c.register();
}

/**
 * istiod on the control-plane cluster `cp` as its debug endpoints show it: its gateway table is the mesh ConfigMap's
 * meshNetworks (/debug/networkz: a gateway of meshNetworks has no cluster), its clusters are those of the remote
 * secrets there, synced (/debug/clusterz); each write of a remote secret is an event it has seen (/metrics). Set
 * `frozen` and istiod serves what it had at that moment (it has not reloaded); `asked`: the paths read.
 */
export function fakeIstiod(cp: FakeCluster, namespace = "istio-system"): { frozen: boolean; asked: string[] } {
    const state = { frozen: false, asked: [] as string[] };
    let last = { gateways: [] as NetworkzEntry[], clusters: [] as ClusterzEntry[], secretEvents: 0 };
    const read = () => {
        const text = cp.peek("ConfigMap", "istio", namespace)?.data?.meshNetworks ?? "";
        const networks: Record<string, { gateways?: { address: string; port: number }[] }> = YAML.parse(text)?.networks ?? {};
        const gateways = Object.entries(networks).flatMap(([Network, e]) =>
            (e.gateways ?? []).map((g) => ({ Network, Cluster: "", Addr: g.address, Port: g.port })),
        );
        const secrets = cp
            .inventory()
            .filter((o) => o.startsWith(`Secret ${namespace}/`))
            .map((o) => cp.peek("Secret", o.split("/")[1], namespace)!)
            .filter((s) => s.metadata.labels?.["istio/multiCluster"] === "true");
        const clusters = secrets.flatMap((s) =>
            Object.keys(s.data ?? {}).map((id) => ({ id, secretName: `${namespace}/${s.metadata.name}`, syncStatus: "synced" })),
        );
        const secretEvents = cp.writes.filter((w) => w.includes(`Secret ${namespace}/istio-remote-secret-`)).length;
        return { gateways, clusters, secretEvents };
    };
    cp.istiod = (path) => {
        state.asked.push(path);
        if (!state.frozen) last = read();
        if (path === "/debug/clusterz") return { status: 200, body: JSON.stringify(last.clusters) };
        if (path === "/debug/networkz") return { status: 200, body: JSON.stringify(last.gateways) };
        if (path === "/metrics")
            return { status: 200, body: `remote_cluster_secret_events_total{event_type="add"} ${last.secretEvents}\n` };
        return { status: 404, body: "not found" };
    };
    return state;
}
