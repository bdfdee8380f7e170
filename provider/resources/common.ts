// Shared by the resource providers: cluster access from the secret kubeconfig map, ownership checks,
// optimistic-concurrency retries, and preview's unknown values.
import { Cluster, ClusterError, status } from "../kube";
import { UserError } from "../errors";
import { IstiodTarget, IstiodUnreachable, istiodViews, ViewPart } from "../istiod";
import type { Finding, IstiodView } from "../../core/check";
import { annotations, fieldManagerOf, fieldManagerPrefix, legacyFieldManager, remoteAccess } from "../../core/names";
import type { Permission } from "../../core/permissions";
import type { KubeObject } from "../../core/render";

/** The engine's placeholder for a value not known during preview. */
export const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function hasUnknowns(value: unknown): boolean {
    return JSON.stringify(value ?? null).includes(unknown);
}

/** Inputs every resource carries. `kubeconfigs` is a secret: cluster name -> kubeconfig text. */
export interface CommonInputs {
    meshId: string;
    /** `<project>/<stack>`; with `meshId` it makes the owner value stamped on what we write (ownerValue). */
    owner: string;
    kubeconfigs: Record<string, string>;
}

export function cluster(inputs: CommonInputs, name: string): Cluster {
    const kubeconfig = inputs.kubeconfigs?.[name];
    if (!kubeconfig) throw new ClusterError(name, "no kubeconfig given for it; declare it in the MultiNetworking's clusters");
    return Cluster.connect({ name, kubeconfig });
}

export { ownerValue, ownership } from "../../core/render";

export function ownerOf(obj: KubeObject | undefined): string | undefined {
    return obj?.metadata.annotations?.[annotations.owner];
}

/** Why a cluster cannot take our objects: the Istio namespace is missing. */
export function noIstioNamespace(cluster: string, namespace: string): string {
    return `cluster "${cluster}" has no namespace "${namespace}"; install Istio there first or set the MultiNetworking's controlPlane.namespace`;
}

/** Deletes one object if it is there and `owner` made it: what others made (or Istio's installer) stays. */
export async function deleteIfOwned(c: Cluster, obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">, owner: string): Promise<void> {
    const { apiVersion, kind, metadata } = obj;
    if (ownerOf(await c.get<KubeObject>(apiVersion, kind, metadata.name, metadata.namespace)) === owner)
        await c.delete(apiVersion, kind, metadata.name, metadata.namespace);
}

/** Why we may not write over `obj` (another stack or tool made it), or undefined. Asked at preview and before writing. */
export function notOwned(c: Cluster, obj: KubeObject | undefined, owner: string, hint: string): string | undefined {
    const found = ownerOf(obj);
    if (!obj || found === owner) return undefined;
    const by = found ? `by another stack or mesh ("${found}")` : "by something other than pulumi-multinet";
    return `cluster "${c.name}": ${describe(obj)} already exists, made ${by}; it is not taken over. ${hint}`;
}

/** Refuses to write over an object another stack or tool made. */
export function assertOwned(c: Cluster, obj: KubeObject | undefined, owner: string, hint: string): void {
    const problem = notOwned(c, obj, owner, hint);
    if (problem) throw new UserError(problem);
}

/**
 * Server-side apply as `owner`, with the owner's own field manager and no blanket force, so that the API server
 * refuses a write that would take fields another stack or mesh holds, even one racing us. With `heal`, fields
 * held by anyone else (an edit by hand, another tool, a release before 0.2) are drift and are taken back; without
 * it they are refused too. Fields that only the pre-0.2 field manager held on an object of ours, and that we no
 * longer write, are dropped.
 */
export async function applyAs<T extends KubeObject>(c: Cluster, obj: KubeObject, owner: string, heal: boolean, hint = ""): Promise<T> {
    const manager = fieldManagerOf(owner);
    let applied: T;
    try {
        applied = await c.apply<T>(obj, manager, false);
    } catch (e) {
        // A field conflict names its managers; a failed resourceVersion precondition does not and goes to the caller.
        if (!(e instanceof ClusterError) || e.status !== 409 || e.conflictManagers.length === 0) throw e;
        const stacks = e.conflictManagers.filter((m) => m.startsWith(fieldManagerPrefix));
        if (stacks.length > 0 || !heal) {
            const by = stacks.length
                ? `another stack or mesh (${stacks.map((m) => `"${m.slice(fieldManagerPrefix.length)}"`).join(", ")})`
                : e.conflictManagers.map((m) => `"${m}"`).join(", ");
            throw new ClusterError(
                c.name,
                `${describe(obj)} has fields held by ${by}; they are not taken over. ${hint}`.trim(),
                409,
                e.conflictManagers,
            );
        }
        applied = await c.apply<T>(obj, manager, true);
    }
    const legacy = (applied.metadata as any).managedFields?.some((f: any) => f.manager === legacyFieldManager);
    if (legacy && ownerOf(applied) === owner) {
        await c.apply(
            { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace } },
            legacyFieldManager,
            false,
        );
    }
    return applied;
}

function describe(obj: KubeObject): string {
    return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;
}

/**
 * Runs `attempt` every `intervalMs` until it yields a value; once `timeoutSeconds` have passed without one, throws
 * `timedOut()`.
 */
export async function poll<T>(
    attempt: () => Promise<T | undefined>,
    timeoutSeconds: number,
    intervalMs: number,
    timedOut: () => Error,
): Promise<T> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const found = await attempt();
        if (found !== undefined) return found;
        if (Date.now() >= deadline) throw timedOut();
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/** Runs `attempt` again when an optimistic-concurrency precondition (resourceVersion) failed. */
export async function retryOnConflict<T>(attempt: () => Promise<T>, tries = 5): Promise<T> {
    for (let i = 1; ; i++) {
        try {
            return await attempt();
        } catch (e) {
            const conflict = (e instanceof ClusterError && e.status === 409) || status(e) === 409;
            if (!conflict || i >= tries || !String((e as Error).message).includes("the object has been modified")) throw e;
        }
    }
}

export async function forEachCluster<T>(names: string[], fn: (name: string) => Promise<T>): Promise<T[]> {
    return Promise.all(names.map(fn));
}

/** Deep equality of JSON values, ignoring key order (the API server may reorder what we sent). */
export function sameJson(a: unknown, b: unknown): boolean {
    return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v)
            .filter((k) => (v as any)[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v ?? null);
}

/** Short fingerprint of a rendered object: what was applied, compared on the next update instead of re-rendering. */
export function fingerprint(obj: KubeObject): string {
    return require("crypto").createHash("sha256").update(canonical(obj)).digest("hex").slice(0, 16);
}

/** True when every field of `ours` is in `live` with the same value (the server adds fields; it must not lose ours). */
export function holds(live: unknown, ours: unknown): boolean {
    if (Array.isArray(ours)) return Array.isArray(live) && live.length === ours.length && ours.every((o, i) => holds(live[i], o));
    if (ours && typeof ours === "object") {
        if (!live || typeof live !== "object") return false;
        return Object.entries(ours).every(([k, v]) => v === undefined || holds((live as any)[k], v));
    }
    return String(live) === String(ours); // the server may turn "1" into 1 (ports) and back
}

/** `Kind name` of each rendered object the cluster no longer holds as we wrote it (deleted or changed). */
export function drifted(rendered: KubeObject[], live: (KubeObject | undefined)[]): string[] {
    return rendered
        .filter((obj, i) => !holds(live[i], { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }))
        .map((o) => `${o.kind} ${o.metadata.name}`);
}

/**
 * The fields among `keys` whose change replaces the resource. A field the old state lacks was not recorded by the
 * release that made it (an upgrade), so it replaces nothing: the update that follows records it.
 */
export function replacedBy<T extends object>(olds: T, news: T, keys: readonly (keyof T)[]): (keyof T)[] {
    return keys.filter((k) => olds[k] !== undefined && olds[k] !== news[k]);
}

/** Every key a provider's state holds beyond its inputs, each named: tsc refuses a missing or a foreign one. */
export type OutputOnly<I, O extends I> = { readonly [K in Exclude<keyof O, keyof I>]-?: true };

/** What a provider's diff must know of its keys; every input it does not name here is compared for an update. */
export interface DiffKeys<I, O extends I> {
    /** Inputs whose change replaces the resource (see replacedBy); one an older state lacks updates nothing either. */
    replace: readonly (keyof I)[];
    outputs: OutputOnly<I, O>;
    /** Inputs whose change alone updates nothing; each says why where it is listed. */
    ignore: readonly (keyof I)[];
}

/** The engine's own input of a dynamic resource, the serialized provider (our shim): it differs between installs. */
const providerKey = "__provider";

/**
 * The inputs that differ (as JSON) between a state and new inputs, by name: every key of either except those `keys`
 * names and `__provider`, so a new input updates the resource without being listed anywhere. Keys of the state
 * count too: an input the program no longer gives is a change (and so is a retired input in an older release's
 * state, which the update drops).
 */
export function changedInputs<I extends object, O extends I>(olds: O, news: I, keys: DiffKeys<I, O>): string[] {
    const skip = new Set([providerKey, ...Object.keys(keys.outputs), ...[...keys.replace, ...keys.ignore].map(String)]);
    return [...new Set([...Object.keys(news), ...Object.keys(olds)])].filter(
        (k) => !skip.has(k) && !sameJson((olds as any)[k], (news as any)[k]),
    );
}

/**
 * The state a read refreshes. Pulumi's interface allows a read without one (a lookup by ID); the engine sends ours
 * on every refresh, and without it nothing says which cluster and objects the ID stands for.
 */
export function stateToRead<O>(kind: string, id: string, state: O | undefined): O {
    if (state === undefined)
        throw new UserError(`${kind} "${id}": read: no state to read it by; it cannot be imported, declare it in the program instead`);
    return state;
}

/**
 * A create that fails takes back what it wrote before it rethrows: the engine records no resource for it, so
 * anything left would outlive the stack (destroy would not know of it).
 */
export async function createOrUndo<T>(create: () => Promise<T>, undo: () => Promise<void>): Promise<T> {
    try {
        return await create();
    } catch (e) {
        await undo().catch((u: Error) => console.error(`could not take back what a failed create wrote: ${u.message}`));
        throw e;
    }
}

/**
 * What the kubeconfig's user of `c` may not do of `needs` (in `namespace` where scoped), as messages naming the
 * cluster, the verbs and the resource; empty when everything is allowed. Asked at preview, before any write.
 */
export async function missingPermissions(c: Cluster, needs: readonly Permission[], namespace: string): Promise<string[]> {
    const problems = await Promise.all(
        needs.map(async (p) => {
            const where = p.scope === "namespace" ? namespace : undefined;
            const denied = (
                await Promise.all(p.verbs.map(async (v) => ((await c.may(v, p.group, p.resource, where)) ? undefined : v)))
            ).filter(Boolean);
            if (denied.length === 0) return undefined;
            const what = `${p.resource}${p.group ? `.${p.group}` : ""}`;
            return (
                `cluster "${c.name}": the kubeconfig's user lacks permission to ${denied.join(", ")} ${what} ` +
                `${where ? `in namespace ${where}` : "(cluster-scoped)"}; grant it (see the README's "Permissions")`
            );
        }),
    );
    return problems.filter((p): p is string => p !== undefined);
}

/** How a provider waits for istiod to show what it wrote (absent: it does not wait; see MultiNetworking's skipAwait). */
export interface AwaitIstiod {
    /** istiod's Deployment on the control-plane cluster. */
    deployment: string;
    /** istiod's debug URL, when it is not a pod of the control-plane cluster. */
    debugUrl?: string;
    timeoutSeconds: number;
}

/** Where the waits reach istiod: the control plane's Deployment, or the debug URL given. */
export function istiodTarget(inputs: CommonInputs & { controlPlaneCluster: string; namespace: string }, wait: AwaitIstiod): IstiodTarget {
    return {
        access: { name: inputs.controlPlaneCluster, kubeconfig: inputs.kubeconfigs[inputs.controlPlaneCluster] },
        namespace: inputs.namespace,
        deployment: wait.deployment,
        debugUrl: wait.debugUrl,
    };
}

/**
 * Polls what istiod serves until `judge` finds nothing, for at most the wait's timeout; then throws the last
 * findings (the check's own messages) or why istiod could not be read. `judge` may throw to stop at once.
 */
export async function awaitIstiod(
    inputs: CommonInputs & { controlPlaneCluster: string; namespace: string },
    wait: AwaitIstiod,
    parts: ViewPart[],
    what: string,
    judge: (view: IstiodView) => Finding[],
): Promise<void> {
    const target = istiodTarget(inputs, wait);
    let last: string | undefined;
    await poll(
        async () => {
            let views: IstiodView[];
            try {
                views = await istiodViews(target, parts);
            } catch (e) {
                // istiod restarts (its Deployment rolled) or is not up yet: the next round may reach it.
                if (!(e instanceof IstiodUnreachable || e instanceof ClusterError)) throw e;
                last = `${e.message}${e instanceof IstiodUnreachable ? `; ${e.fix}` : ""}`;
                return undefined;
            }
            const findings = views.flatMap(judge);
            last = findings.map((f) => `${f.message}; ${f.fix}`).join("\n");
            return findings.length === 0 ? true : undefined;
        },
        wait.timeoutSeconds,
        1000,
        () =>
            new UserError(
                `istiod did not show ${what} within ${wait.timeoutSeconds} s: ${last}. ` +
                    `(MultiNetworking's awaitTimeoutSeconds sets how long to wait; skipAwait: true stops waiting for a control plane the program cannot reach.)`,
            ),
    );
}

/**
 * The opt-in, as Pulumi's Kubernetes provider has it (PULUMI_K8S_DELETE_UNREACHABLE), to let a cluster that is
 * gone for good go: with PULUMI_MULTINET_DELETE_UNREACHABLE=true, what would be deleted on a cluster that cannot
 * be reached is skipped and said, and everything on the reachable clusters is still cleaned.
 */
export const deleteUnreachableVariable = "PULUMI_MULTINET_DELETE_UNREACHABLE";

/** Runs a delete's `work` on cluster `c`; an unreachable cluster is skipped under the opt-in, else named with it. */
export async function deleting(c: Cluster, what: string, work: () => Promise<void>): Promise<void> {
    try {
        await work();
    } catch (e) {
        if (!(e instanceof ClusterError) || !e.unreachable) throw e;
        if (process.env[deleteUnreachableVariable] === "true") {
            console.error(
                `warning: cluster "${c.name}" cannot be reached; skipped deleting ${what} there (${deleteUnreachableVariable}=true)`,
            );
            return;
        }
        throw new ClusterError(
            c.name,
            `${e.message.replace(/^cluster "[^"]*": /, "")}. If the cluster is gone for good, let it go: run again with ` +
                `${deleteUnreachableVariable}=true, which skips what was on it (${what}) and still cleans every reachable cluster`,
            undefined,
            [],
            true,
        );
    }
}

/** The hub stack that reads cluster `c` through the reader of its group stack (see remoteAccess.hubRecord), or undefined. */
export async function hubReading(c: Cluster, namespace: string, meshId: string): Promise<string | undefined> {
    return (await hubRecord(c, namespace, meshId))?.metadata.annotations?.[annotations.hub] || undefined;
}

/**
 * The cluster's hub record. A user who may not read ConfigMaps there (a whole-mesh stack's gateway cluster needs
 * no such permission) cannot have made one, since a group stack needs it to: none, then.
 */
export async function hubRecord(c: Cluster, namespace: string, meshId: string): Promise<KubeObject | undefined> {
    try {
        return await c.get<KubeObject>("v1", "ConfigMap", remoteAccess.hubRecord(meshId), namespace);
    } catch (e) {
        if (e instanceof ClusterError && e.status === 403) return undefined;
        throw e;
    }
}

/**
 * Refuses to take `what` off cluster `c` while a hub stack still reads it: the hub's remote secret and meshNetworks
 * entry would point at a cluster that no longer answers or carries traffic. The hub lets go first.
 */
export async function refuseWhileHubReads(c: Cluster, namespace: string, meshId: string, what: string): Promise<void> {
    const hub = await hubReading(c, namespace, meshId);
    if (hub)
        throw new ClusterError(
            c.name,
            `the hub stack "${hub}" still reads this cluster (its remote secret, and its Interconnect may join the group); ` +
                `removing ${what} now would cut the mesh off from it; remove the group's NetworkGroupReference from the hub stack ` +
                `and run pulumi up there first, then run this again (a hub that is gone for good: kubectl -n ${namespace} annotate ` +
                `configmap ${remoteAccess.hubRecord(meshId)} ${annotations.hub}-)`,
        );
}
