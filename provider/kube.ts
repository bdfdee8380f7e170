// The one adapter around @kubernetes/client-node (ESM-only: loaded with require() on Node >= 22.12, and kept
// out of the pure planner so unit tests never load it). Every error names the cluster and says what to do.
import * as crypto from "crypto";
import { UserError } from "./errors";

import type { KubeObject } from "../core/render";

export interface ClusterAccess {
    name: string;
    /** kubeconfig text; its current context is used. Never logged or put in an error. */
    kubeconfig: string;
}

type Verb = "get" | "list" | "apply" | "patch" | "create" | "delete";

export class ClusterError extends UserError {
    constructor(
        readonly cluster: string,
        message: string,
        readonly status?: number,
        /** With a server-side apply conflict (409): the field managers holding the contested fields. */
        readonly conflictManagers: string[] = [],
        /** The API server could not be reached at all. */
        readonly unreachable = false,
    ) {
        super(`cluster "${cluster}": ${message}`);
    }
}

const clients = new Map<string, Cluster>();

/**
 * The built-in kinds we touch, as the API server's discovery lists them (`name`: the plural), seeded into each
 * client's discovery cache: the client would otherwise ask discovery once per API group and version in every
 * process, a request per cluster and group on every run. All are GA in every Kubernetes we support; Istio's kinds
 * are left to discovery, since their versions depend on the install. A kind not listed here is still discovered.
 */
const builtInResources = Object.fromEntries(
    Object.entries({
        v1: [
            ["Namespace", "namespaces", false],
            ["ConfigMap", "configmaps"],
            ["Secret", "secrets"],
            ["ServiceAccount", "serviceaccounts"],
            ["Service", "services"],
            ["Pod", "pods"],
        ],
        "apps/v1": [["Deployment", "deployments"]],
        "policy/v1": [["PodDisruptionBudget", "poddisruptionbudgets"]],
        "rbac.authorization.k8s.io/v1": [
            ["ClusterRole", "clusterroles", false],
            ["ClusterRoleBinding", "clusterrolebindings", false],
            ["Role", "roles"],
            ["RoleBinding", "rolebindings"],
        ],
        "admissionregistration.k8s.io/v1": [["MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false]],
        "authorization.k8s.io/v1": [
            ["SelfSubjectAccessReview", "selfsubjectaccessreviews", false],
            ["SelfSubjectRulesReview", "selfsubjectrulesreviews", false],
        ],
    } as Record<string, [string, string, boolean?][]>).map(([groupVersion, kinds]) => [
        groupVersion,
        { groupVersion, resources: kinds.map(([kind, name, namespaced = true]) => ({ kind, name, namespaced, verbs: [] })) },
    ]),
);

/**
 * A namespace that cannot exist (it is no DNS label), so that no RoleBinding is in it: a SelfSubjectRulesReview
 * there lists the rules of ClusterRoleBindings alone, which are what grant access to cluster-scoped resources
 * (Kubernetes' RBAC rule resolver visits the RoleBindings of the namespace asked only: pkg/registry/rbac/validation,
 * VisitRulesFor). One review answers every cluster-wide question, where a SelfSubjectAccessReview answers one.
 */
const clusterWide = "~cluster-wide";

/** A rule of a SelfSubjectRulesReview. */
interface ResourceRule {
    verbs: string[];
    apiGroups?: string[];
    resources?: string[];
    resourceNames?: string[];
}

/** Whether a rule allows `verb` on every object of the resource ("pods/portforward": a subresource). */
function allows(r: ResourceRule, verb: string, group: string, resource: string): boolean {
    const any = (list: string[] | undefined, value: string) => (list ?? []).some((x) => x === "*" || x === value);
    const [base] = resource.split("/");
    const resourceMatches = (r.resources ?? []).some((x) => x === "*" || x === resource || (resource.includes("/") && x === `${base}/*`));
    return any(r.verbs, verb) && any(r.apiGroups, group) && resourceMatches && !(r.resourceNames ?? []).length;
}

/**
 * @internal Unit tests' in-memory clusters by cluster name, which `Cluster.connect` returns instead of a client
 * (test/helpers/fakeCluster.ts). Nothing registers one outside tests.
 */
export const testClusters = new Map<string, Cluster>();

function k8s(): any {
    return require("@kubernetes/client-node");
}

/** What one HTTPS request to an API server found: its status, or the connection's error (a TLS one included). */
export interface ApiServerAnswer {
    status?: number;
    error?: { code: string; message: string };
}

/**
 * A GET of `path` at `server` with a bearer token, trusting only `caData` (base64 PEM; none: the system's CAs) and
 * checking the certificate against `servername`: how istiod will use a remote secret's kubeconfig.
 */
export function askApiServer(
    server: string,
    path: string,
    opts: { caData?: string; servername?: string; token: string },
): Promise<ApiServerAnswer> {
    const https: typeof import("https") = require("https");
    return new Promise((resolve) => {
        const req = https.request(
            new URL(path, server),
            {
                method: "GET",
                ca: opts.caData ? Buffer.from(opts.caData, "base64") : undefined,
                servername: opts.servername,
                headers: { Authorization: `Bearer ${opts.token}`, Accept: "application/json" },
                timeout: 10_000,
                agent: false,
            },
            (res) => {
                res.resume();
                res.on("end", () => resolve({ status: res.statusCode }));
            },
        );
        req.on("timeout", () => req.destroy(Object.assign(new Error("no answer within 10 s"), { code: "ETIMEDOUT" })));
        req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: { code: e.code ?? "", message: firstLine(e) } }));
        req.end();
    });
}

/** A standalone kubeconfig for one context of the default kubeconfig ($KUBECONFIG, else ~/.kube/config). */
export function contextKubeconfig(context: string): string {
    const kc = new (k8s().KubeConfig)();
    kc.loadFromDefault();
    if (!kc.getContextObject(context)) throw new Error(`no context "${context}" in your kubeconfig`);
    kc.setCurrentContext(context);
    return kc.exportConfig();
}

export class Cluster {
    private readonly api: any;
    private readonly kubeConfig: any;
    readonly server: string;
    /** The kubeconfig's CA for this server, base64 (empty when it trusts the system's CAs). */
    readonly caData: string;
    /** The kubeconfig user's exec credential plugin, if it has one. */
    private readonly execCommand?: string;
    /** The name the API server's certificate is checked against, when the kubeconfig sets one (tls-server-name). */
    readonly tlsServerName?: string;

    private constructor(
        readonly name: string,
        kubeconfig: string,
    ) {
        const lib = k8s();
        const kc = new lib.KubeConfig();
        try {
            kc.loadFromString(kubeconfig);
        } catch (e) {
            throw new ClusterError(name, `its kubeconfig does not parse (${firstLine(e)}); pass the text of a valid kubeconfig file`);
        }
        const current = kc.getCurrentCluster();
        if (!current?.server) {
            throw new ClusterError(
                name,
                `its kubeconfig has no current context with a cluster server; set current-context to the context of "${name}"`,
            );
        }
        this.server = current.server;
        this.tlsServerName = current.tlsServerName;
        this.execCommand = kc.getCurrentUser()?.exec?.command;
        this.caData = current.caData ?? (current.caFile ? require("fs").readFileSync(current.caFile).toString("base64") : "");
        this.api = lib.KubernetesObjectApi.makeApiClient(kc);
        Object.assign(this.api.apiVersionResourceCache, builtInResources);
        this.kubeConfig = kc;
    }

    /**
     * A GET of `path` on a Pod's `port` through the API server (pods/portforward), as `kubectl port-forward` and
     * istioctl reach a Pod: no local port, the HTTP client's connection is one end of a duplex pair and the
     * port-forward's websocket the other. Rejects with the API server's answer to the upgrade (no such Pod: 404; no
     * `create` on pods/portforward: 403), or with the kubelet's reason when the forward fails (nothing listens).
     */
    podGet(namespace: string, pod: string, port: number, path: string, timeoutMs = 20_000): Promise<{ status: number; body: string }> {
        const http: typeof import("http") = require("http");
        const { duplexPair, Writable } = require("stream") as typeof import("stream");
        return new Promise((resolve, reject) => {
            const [local, remote] = duplexPair();
            let kubeletError = ""; // the port's error stream: why the kubelet could not forward
            const errors = new Writable({
                write(chunk, _encoding, done) {
                    kubeletError += chunk.toString();
                    done();
                },
            });
            let ws: any;
            let settled = false;
            const settle = (error?: Error, response?: { status: number; body: string }) => {
                if (settled) return;
                settled = true;
                ws?.close(); // the websocket would keep the process alive
                local.destroy();
                if (error) reject(error);
                else resolve(response!);
            };
            remote.on("error", () => undefined); // data after settling
            new (k8s().PortForward)(this.kubeConfig).portForward(namespace, pod, [port], remote, errors, remote).then(
                (socket: any) => {
                    ws = socket;
                    if (settled) return ws.close();
                    // The forward ends (the pod's server closed, or the kubelet failed): end our side too.
                    ws.on("close", () => (kubeletError ? settle(new Error(kubeletError.trim())) : remote.end()));
                },
                // A failed upgrade is ws's ErrorEvent, not an Error: { message: "Unexpected server response: 404", error }.
                (e: any) => settle(new Error(`pods/portforward of ${namespace}/${pod}: ${e?.message ?? e}`)),
            );
            const req = http.request(
                { createConnection: () => local, path, headers: { Connection: "close" }, timeout: timeoutMs },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c) => chunks.push(c));
                    res.on("end", () => settle(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
                    res.on("error", (e) => settle(e));
                },
            );
            req.on("timeout", () => req.destroy(new Error(`no answer from ${namespace}/${pod} port ${port} within ${timeoutMs} ms`)));
            req.on("error", (e) => settle(kubeletError ? new Error(kubeletError.trim()) : e));
            req.end();
            // The upgrade itself has no timeout in the client: a server that never answers it must not hang us.
            const timer = setTimeout(
                () => settle(new Error(`no answer from ${namespace}/${pod} port ${port} within ${timeoutMs} ms`)),
                timeoutMs,
            );
            timer.unref();
        });
    }

    /** One client per kubeconfig per process: discovery is cached, connections reused. */
    static connect(access: ClusterAccess): Cluster {
        const fake = testClusters.get(access.name);
        if (fake) return fake;
        const key = `${access.name}\0${crypto.createHash("sha256").update(access.kubeconfig).digest("hex")}`;
        let c = clients.get(key);
        if (!c) {
            c = new Cluster(access.name, access.kubeconfig);
            clients.set(key, c);
        }
        return c;
    }

    async get<T extends KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | undefined> {
        try {
            return await this.api.read({ apiVersion, kind, metadata: { name, namespace } });
        } catch (e) {
            if (status(e) === 404) return undefined;
            throw this.error(e, "get", kind, name, namespace);
        }
    }

    async list<T extends KubeObject>(apiVersion: string, kind: string, labelSelector: string, namespace?: string): Promise<T[]> {
        try {
            const r = await this.api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
            return r.items ?? [];
        } catch (e) {
            if (status(e) === 404) return [];
            throw this.error(e, "list", kind, undefined, namespace);
        }
    }

    /** Server-side apply as `manager`; `force` takes fields other managers hold. */
    async apply<T extends KubeObject>(obj: KubeObject, manager: string, force: boolean): Promise<T> {
        try {
            return await this.api.patch(obj, undefined, undefined, manager, force, k8s().PatchStrategy.ServerSideApply);
        } catch (e) {
            throw this.error(e, "apply", obj.kind, obj.metadata.name, obj.metadata.namespace);
        }
    }

    /** A JSON merge patch of an existing object (404 when it is gone: nothing is created). */
    async mergePatch<T extends KubeObject>(
        apiVersion: string,
        kind: string,
        name: string,
        namespace: string | undefined,
        patch: object,
        manager: string,
    ): Promise<T> {
        try {
            const metadata = { ...((patch as { metadata?: object }).metadata ?? {}), name, namespace };
            return await this.api.patch(
                { apiVersion, kind, ...patch, metadata },
                undefined,
                undefined,
                manager,
                undefined,
                k8s().PatchStrategy.MergePatch,
            );
        } catch (e) {
            throw this.error(e, "patch", kind, name, namespace);
        }
    }

    /** The user's rules in a namespace, asked once per process (undefined: the authorizer cannot list them). */
    private readonly rules = new Map<string, Promise<ResourceRule[] | undefined>>();
    /** Answers of cluster-scoped reviews, asked once per process. */
    private readonly answers = new Map<string, Promise<boolean>>();

    /**
     * Whether the kubeconfig's user may `verb` the resource (`group`, plural `resource`, "pods/portforward" for a
     * subresource) in `namespace`, or cluster-wide without one. Asks, changes nothing: one SelfSubjectRulesReview per
     * namespace lists every rule there, and one in `clusterWide` every cluster-wide rule (RBAC lists them completely;
     * an authorizer that cannot, a webhook's, says so, and then each question is a SelfSubjectAccessReview).
     */
    async may(verb: string, group: string, resource: string, namespace?: string): Promise<boolean> {
        const scope = namespace ?? clusterWide;
        let rules = this.rules.get(scope);
        if (!rules) this.rules.set(scope, (rules = this.rulesIn(scope)));
        const found = await rules;
        if (found) return found.some((r) => allows(r, verb, group, resource));
        const key = [verb, group, resource, namespace ?? ""].join("\0");
        let answer = this.answers.get(key);
        if (!answer) this.answers.set(key, (answer = this.review(verb, group, resource, namespace)));
        return answer;
    }

    private async rulesIn(namespace: string): Promise<ResourceRule[] | undefined> {
        try {
            const review = await this.api.create({
                apiVersion: "authorization.k8s.io/v1",
                kind: "SelfSubjectRulesReview",
                metadata: {},
                spec: { namespace },
            });
            return review?.status?.incomplete ? undefined : (review?.status?.resourceRules ?? []);
        } catch (e) {
            const error = this.error(e, "create", "SelfSubjectRulesReview");
            // An API server that refuses to review a namespace that cannot exist: each question is asked on its own.
            if (namespace === clusterWide && (error.status === 400 || error.status === 422)) return undefined;
            throw error;
        }
    }

    private async review(verb: string, group: string, resource: string, namespace?: string): Promise<boolean> {
        try {
            const review = await this.api.create({
                apiVersion: "authorization.k8s.io/v1",
                kind: "SelfSubjectAccessReview",
                metadata: {},
                spec: {
                    resourceAttributes: {
                        verb,
                        group,
                        resource: resource.split("/")[0],
                        ...(resource.includes("/") ? { subresource: resource.split("/")[1] } : {}),
                        ...(namespace ? { namespace } : {}),
                    },
                },
            });
            return review?.status?.allowed === true;
        } catch (e) {
            throw this.error(e, "create", "SelfSubjectAccessReview");
        }
    }

    async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
        try {
            await this.api.delete({ apiVersion, kind, metadata: { name, namespace } });
        } catch (e) {
            if (status(e) === 404) return;
            throw this.error(e, "delete", kind, name, namespace);
        }
    }

    private error(e: unknown, verb: Verb, kind: string, name?: string, namespace?: string): ClusterError {
        const code = status(e);
        const what = `${kind}${namespace ? ` ${namespace}/` : " "}${name ?? "(all)"}`;
        const reason = bodyMessage(e);
        if (code === undefined && this.execCommand && /ENOENT|spawn|exec|credential/i.test(String((e as any)?.message ?? e))) {
            return new ClusterError(
                this.name,
                `the kubeconfig's exec credential plugin "${this.execCommand}" could not run to ${verb} ${what} (${firstLine(e)}); ` +
                    `install it where pulumi runs (on PATH), or use a kubeconfig with a token or a client certificate`,
            );
        }
        if (code === undefined) {
            return new ClusterError(
                this.name,
                `cannot reach the API server at ${this.server} to ${verb} ${what} (${firstLine(e)}); ` +
                    `check that the cluster is up and the kubeconfig is current`,
                undefined,
                [],
                true,
            );
        }
        if (code === 401)
            return new ClusterError(
                this.name,
                `the API server rejected the kubeconfig's credentials (401) on ${verb} ${what}; renew the token or certificate`,
                code,
            );
        if (code === 403) {
            const perm = verb === "apply" ? "get, create and patch" : verb;
            return new ClusterError(
                this.name,
                `the kubeconfig's user lacks permission to ${perm} ${kind} in ${namespace ? `namespace ${namespace}` : "the cluster"} (403: ` +
                    `${reason}); grant it (see the README's "Permissions")`,
                code,
            );
        }
        // A 409 names managers for a field conflict; without them it is a failed precondition (resourceVersion),
        // which retryOnConflict recognises by the message below.
        const managers = code === 409 && verb === "apply" ? conflictManagers(e) : [];
        if (managers.length) {
            return new ClusterError(
                this.name,
                `server-side apply conflict on ${what}: ${reason}. Another field manager owns these fields; ` +
                    `it is not overridden silently — remove or reconcile its value first`,
                code,
                managers,
            );
        }
        return new ClusterError(this.name, `${verb} ${what} failed (${code}): ${reason}`, code);
    }
}

/** The managers named by a server-side apply conflict (Status details.causes: 'conflict with "m" using v1'). */
function conflictManagers(e: unknown): string[] {
    const body = (e as any)?.body;
    let parsed: any;
    try {
        parsed = typeof body === "string" ? JSON.parse(body) : body;
    } catch {
        return [];
    }
    const managers = (parsed?.details?.causes ?? [])
        .map((c: any) => /conflict with "([^"]+)"/.exec(String(c?.message))?.[1])
        .filter(Boolean);
    return [...new Set<string>(managers)];
}

export function status(e: unknown): number | undefined {
    const code = (e as any)?.code;
    return typeof code === "number" && code >= 100 ? code : undefined;
}

function bodyMessage(e: unknown): string {
    const body = (e as any)?.body;
    try {
        const parsed = typeof body === "string" ? JSON.parse(body) : body;
        if (parsed?.message) return parsed.message;
    } catch {
        /* not JSON */
    }
    return firstLine(e);
}

function firstLine(e: unknown): string {
    return String((e as any)?.message ?? e).split("\n")[0];
}
