// One cluster that istiod reads, the way `istioctl create-remote-secret` joins it: in the cluster a reader
// ServiceAccount with a read-only ClusterRole and a token; on the control-plane cluster the remote secret (a
// kubeconfig with that token) istiod discovers the cluster's Services and endpoints with. The token and the
// kubeconfig go from one cluster to the other inside the provider: neither is an output, so neither reaches state.
import type * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as YAML from "yaml";
import { askApiServer, Cluster, ClusterError } from "../kube";
import { remoteClusterFindings } from "../../core/check";
import { istiodViews, ViewPart } from "../istiod";
import { UserError } from "../errors";
import { annotations, fieldManagerOf, remoteAccess } from "../../core/names";
import { permissions } from "../../core/permissions";
import { KubeObject, readerAccessObjects, readerServiceAccount, remoteKubeconfig, remoteSecret } from "../../core/render";
import {
    hasUnknowns,
    missingPermissions,
    createOrUndo,
    deleteIfOwned,
    applyAs,
    AwaitIstiod,
    awaitIstiod,
    deleting,
    istiodTarget,
    notOwned,
    cluster,
    CommonInputs,
    ownerOf,
    ownership,
    ownerValue,
    poll,
    sameJson,
    replacedBy,
    stateToRead,
    changedInputs,
    DiffKeys,
    hubReading,
} from "./common";

export interface RemoteSecretInputs extends CommonInputs {
    /** The cluster istiod reads (its name in the program). */
    cluster: string;
    /** Its Istio cluster ID: the remote secret's name, key and annotation. */
    clusterId: string;
    /** The API server address istiod uses; empty: the server of the cluster's kubeconfig. */
    server: string;
    controlPlaneCluster: string;
    namespace: string;
    /** How long to wait for the token controller to fill the reader's token, in seconds. */
    tokenTimeoutSeconds: number;
    /** Waiting for istiod to sync the cluster (absent: no wait). */
    istiod?: AwaitIstiod;
    /** The reader token's rotation (MultiNetworking's remoteSecretRotation): a new one makes a new token. */
    rotation?: string;
    /**
     * "group": the cluster's group stack made the reader (a ReaderCredential) and `kubeconfigs[cluster]` is the
     * kubeconfig it exported for istiod; only the remote secret is written here, and the cluster's hub record marked
     * with the reader's own token. Absent: the reader is made here, in the cluster.
     */
    reader?: "group";
}

/** What making a reader needs: a remote secret's inputs without the control plane. */
export type ReaderInputs = Omit<RemoteSecretInputs, "controlPlaneCluster" | "istiod" | "reader">;

/** A reader as istiod will use it: its API server, the CA that verifies it, and its token. */
interface Reader {
    server: string;
    caData: string;
    token: string;
}

export interface RemoteSecretOutputs extends RemoteSecretInputs {
    /** `namespace/name` of the remote secret on the control-plane cluster. */
    remoteSecret: string;
    /** The API server address written into the remote secret. */
    wroteServer: string;
    /** What the remote secret held at the last read: its server, or null when it is gone or not ours. */
    liveServer: string | null;
}

type Secret = KubeObject & { data?: Record<string, string> };

const secretName = (inputs: Pick<RemoteSecretInputs, "clusterId">) => remoteAccess.remoteSecret(inputs.clusterId);

async function waitForToken(c: Cluster, inputs: ReaderInputs): Promise<{ token: string; ca: string }> {
    const name = remoteAccess.tokenSecret(inputs.meshId, inputs.rotation);
    return poll(
        async () => {
            const s = await c.get<Secret>("v1", "Secret", name, inputs.namespace);
            return s?.data?.token ? { token: Buffer.from(s.data.token, "base64").toString("utf8"), ca: s.data["ca.crt"] ?? "" } : undefined;
        },
        inputs.tokenTimeoutSeconds,
        250,
        () =>
            new ClusterError(
                c.name,
                `Secret ${inputs.namespace}/${name} (a token for ServiceAccount ${remoteAccess.serviceAccount}) got no token within ${inputs.tokenTimeoutSeconds} s; ` +
                    `the cluster's token controller (kube-controller-manager) fills it. Check that it runs, ` +
                    `or manage remote secrets yourself and set remoteSecrets: "external"`,
            ),
    );
}

/** TLS errors of a certificate the CA does not vouch for, or that names another host: another CA may do. */
const untrusted = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/;

/**
 * The CA to give istiod for `server`, checked as istiod will use the remote secret: the token Secret's ca.crt (what
 * `istioctl create-remote-secret` gives) or else the kubeconfig's must verify the server's certificate, and the
 * reader's token must be accepted. A server this machine cannot reach is not judged here (istiod may reach what
 * the machine running pulumi does not): istiod's own sync is awaited after the write.
 */
async function usableCa(remote: Cluster, inputs: ReaderInputs, server: string, token: string, tokenCa: string): Promise<string> {
    const candidates = [
        { caData: tokenCa, from: "the reader token Secret's ca.crt" },
        { caData: remote.caData, from: "the kubeconfig's certificate-authority-data" },
    ].filter((c, i, all) => c.caData && all.findIndex((o) => o.caData === c.caData) === i);
    const tls: string[] = [];
    for (const c of candidates) {
        // A token and a role binding just made take the API server's caches a moment: 401 and 403 are asked again.
        let r = await askApiServer(server, "/api/v1/namespaces?limit=1", { caData: c.caData, servername: remote.tlsServerName, token });
        for (let i = 0; i < 20 && (r.status === 401 || r.status === 403); i++) {
            await new Promise((done) => setTimeout(done, 500));
            r = await askApiServer(server, "/api/v1/namespaces?limit=1", { caData: c.caData, servername: remote.tlsServerName, token });
        }
        if (r.status === 200) return c.caData;
        const where = `the API server at ${server} (written into the remote secret of "${inputs.cluster}")`;
        if (r.status === 401)
            throw new ClusterError(
                remote.name,
                `${where} refuses the reader's token (401): istiod could not read the cluster. Is ${server} this cluster's API server? ` +
                    `Check remoteSecretServer`,
            );
        if (r.status !== undefined)
            throw new ClusterError(
                remote.name,
                `${where} answers the reader's list of namespaces with ${r.status}: istiod could not read the cluster with it. ` +
                    `Check the ClusterRole ${remoteAccess.clusterRole(inputs.meshId)} and remoteSecretServer`,
            );
        if (!untrusted.test(r.error!.code)) return candidates[0].caData; // unreachable from here: istiod decides (awaited)
        tls.push(`with ${c.from}: ${r.error!.message}`);
    }
    if (tls.length === 0) return "";
    throw new ClusterError(
        remote.name,
        `istiod could not trust the API server at ${server} for the remote secret of "${inputs.cluster}": ${tls.join("; ")}. ` +
            `Set remoteSecretServer to an address its certificate names (or give the kubeconfig a tls-server-name), ` +
            `or one whose certificate the cluster's CA signs`,
    );
}

/** How many remote-secret events each istiod has received so far, by its source. */
async function secretEvents(inputs: RemoteSecretInputs, wait: AwaitIstiod): Promise<Map<string, number>> {
    const views = await istiodViews(istiodTarget(inputs, wait), ["secretEvents"]).catch(() => []);
    return new Map(views.map((v) => [v.source, v.secretEvents ?? 0]));
}

/**
 * Until istiod reports the cluster synced with what was just written: when the remote secret changed, istiod must
 * first have received that change (`eventsBefore`; a cluster it had synced shows "synced" until it has), then synced
 * the new credentials, which it swaps in only then (pkg/kube/multicluster, ClusterStore.Swap: the old serves until).
 * istiod's own verdict ("timeout": it gave up) ends the wait at once.
 */
async function awaitSynced(inputs: RemoteSecretInputs, wait: AwaitIstiod, eventsBefore?: Map<string, number>): Promise<void> {
    const started = Date.now();
    const parts: ViewPart[] = eventsBefore ? ["clusters", "secretEvents"] : ["clusters"];
    await awaitIstiod(inputs, wait, parts, `cluster "${inputs.clusterId}" synced`, (view) => {
        const before = eventsBefore?.get(view.source);
        if (before !== undefined && (view.secretEvents ?? 0) <= before)
            return [
                {
                    message: `${view.source} has not yet seen the changed remote secret of "${inputs.clusterId}"`,
                    fix: "wait for istiod",
                    severity: "warn",
                },
            ];
        const findings = remoteClusterFindings(
            { name: inputs.cluster, clusterId: inputs.clusterId },
            true,
            view,
            "managed",
            inputs.namespace,
        );
        const entry = view.clusters.find((c) => c.id === inputs.clusterId);
        // A status left from before this write is replaced within moments of it.
        if (entry && ["timeout", "closed"].includes(entry.syncStatus) && Date.now() - started > 3000)
            throw new ClusterError(inputs.controlPlaneCluster, `${findings[0].message}; ${findings[0].fix}`);
        return findings;
    });
}

/** The server written in a remote secret of ours, or null. Reads the secret's kubeconfig, keeps only the server. */
function serverIn(secret: Secret | undefined, inputs: RemoteSecretInputs): string | null {
    const text = secret?.data?.[inputs.clusterId];
    if (!text || ownerOf(secret) !== ownerValue(inputs)) return null;
    return YAML.parse(Buffer.from(text, "base64").toString("utf8"))?.clusters?.[0]?.cluster?.server ?? null;
}

/**
 * Why the remote secret or the reader's objects cannot be ours: another stack or tool made them. Asked at preview
 * (nothing written) and again before writing.
 */
async function takenProblems(inputs: RemoteSecretInputs): Promise<string[]> {
    const cp = cluster(inputs, inputs.controlPlaneCluster);
    const [secret, reader] = await Promise.all([
        cp.get<Secret>("v1", "Secret", secretName(inputs), inputs.namespace),
        inputs.reader === "group" ? otherHub(inputs) : readerTaken(inputs),
    ]);
    const problem = notOwned(
        cp,
        secret,
        ownerValue(inputs),
        `Manage this cluster's remote secret from where it was made (istioctl create-remote-secret, ` +
            `another stack) and set the MultiNetworking's remoteSecrets: "external".`,
    );
    return [...(problem ? [problem] : []), ...reader];
}

/** Why the reader's objects in the cluster cannot be ours: another stack of the mesh made them. */
export async function readerTaken(inputs: ReaderInputs): Promise<string[]> {
    const remote = cluster(inputs, inputs.cluster);
    const objects = await Promise.all(
        readerAccessObjects(ownership(inputs), inputs.namespace).map((obj) =>
            remote.get<KubeObject>(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace),
        ),
    );
    return objects
        .map((obj) =>
            notOwned(
                remote,
                obj,
                ownerValue(inputs),
                'It belongs to another stack of this mesh: manage the remote secret there and set remoteSecrets: "external" here.',
            ),
        )
        .filter((p): p is string => p !== undefined);
}

/**
 * Makes the reader in the cluster (its ServiceAccount unless Istio's installer made one, read-only ClusterRole,
 * binding and token) and proves it as istiod will use it.
 */
export async function makeReader(inputs: ReaderInputs): Promise<Reader> {
    const owner = ownerValue(inputs);
    const o = ownership(inputs);
    const remote = cluster(inputs, inputs.cluster);
    const sa = await remote.get<KubeObject>("v1", "ServiceAccount", remoteAccess.serviceAccount, inputs.namespace);
    if (!sa || ownerOf(sa) === owner) await applyAs(remote, readerServiceAccount(o, inputs.namespace), owner, true);
    for (const obj of readerAccessObjects(o, inputs.namespace, inputs.rotation)) await applyAs(remote, obj, owner, true);
    const { token, ca } = await waitForToken(remote, inputs);
    const server = inputs.server || remote.server;
    return { server, token, caData: await usableCa(remote, inputs, server, token, ca) };
}

/** The reader a group stack exported (`kubeconfigs[cluster]`), proven as istiod will use it. */
async function givenReader(inputs: RemoteSecretInputs): Promise<Reader> {
    const remote = cluster(inputs, inputs.cluster);
    const token: string | undefined = YAML.parse(inputs.kubeconfigs[inputs.cluster])?.users?.[0]?.user?.token;
    if (!token)
        throw new UserError(
            `remote secret of "${inputs.cluster}": the group's exported kubeconfig holds no token; pass the group stack's ` +
                `export (NetworkGroup.export) made with remoteSecrets: "managed"`,
        );
    const server = inputs.server || remote.server;
    return { server, token, caData: await usableCa(remote, inputs, server, token, "") };
}

/** Why this hub may not read a group's cluster: another hub of the mesh marked its hub record. Read with the reader. */
async function otherHub(inputs: RemoteSecretInputs): Promise<string[]> {
    const marked = await hubReading(cluster(inputs, inputs.cluster), inputs.namespace, inputs.meshId);
    return marked && marked !== ownerValue(inputs) ? [otherHubProblem(inputs, marked)] : [];
}

function otherHubProblem(inputs: RemoteSecretInputs, marked: string): string {
    return (
        `cluster "${inputs.cluster}": the hub stack "${marked}" already reads it for mesh "${inputs.meshId}"; a group joins ` +
        `one hub: remove its NetworkGroupReference from one of the two stacks`
    );
}

/**
 * Marks (or, with null, clears) the cluster's hub record with this stack and the token its remote secret holds, with
 * the group's reader's own token.
 */
async function markHubRecord(inputs: RemoteSecretInputs, hub: string | null, token?: string): Promise<void> {
    const remote = cluster(inputs, inputs.cluster);
    const marked = await hubReading(remote, inputs.namespace, inputs.meshId);
    if (marked !== undefined && marked !== ownerValue(inputs)) {
        if (hub === null) return; // another hub's mark stays
        throw new UserError(otherHubProblem(inputs, marked));
    }
    if (hub === null && marked === undefined) return;
    const patch = { metadata: { annotations: { [annotations.hub]: hub, [annotations.hubToken]: token ? tokenDigest(token) : null } } };
    await remote.mergePatch(
        "v1",
        "ConfigMap",
        remoteAccess.hubRecord(inputs.meshId),
        inputs.namespace,
        patch,
        fieldManagerOf(ownerValue(inputs)),
    );
}

/** How a hub record names a reader token without holding it: the first 16 hex of its SHA-256. */
export function tokenDigest(token: string): string {
    return crypto.createHash("sha256").update(token).digest("hex").slice(0, 16);
}

/**
 * Makes the reader's access and the remote secret as `inputs` want them. A new rotation is make-before-break: a new
 * token (a new Secret) is made and proven against the API server, the remote secret switches to it, istiod syncs
 * with it, and only then is the old token revoked (its Secret deleted: the API server refuses it within 10 s, its cache of successful authentications).
 */
async function converge(olds: RemoteSecretInputs | undefined, inputs: RemoteSecretInputs): Promise<RemoteSecretOutputs> {
    const owner = ownerValue(inputs);
    const cp = cluster(inputs, inputs.controlPlaneCluster);
    const taken = await takenProblems(inputs);
    if (taken.length) throw new UserError(taken.join("\n"));

    const { server, caData, token } = inputs.reader === "group" ? await givenReader(inputs) : await makeReader(inputs);
    // Before istiod reads the group's cluster, the group stack learns that it does (and with which token).
    if (inputs.reader === "group") await markHubRecord(inputs, owner, token);
    const remote = cluster(inputs, inputs.cluster);
    const secret = remoteSecret(
        ownership(inputs),
        inputs.namespace,
        inputs.clusterId,
        remoteKubeconfig(inputs.clusterId, server, caData, token, remote.tlsServerName),
        inputs.rotation,
    );
    const live = await cp.get<Secret>("v1", "Secret", secretName(inputs), inputs.namespace);
    const changed = live !== undefined && !sameJson(live.data, secret.data);
    const eventsBefore = inputs.istiod && changed ? await secretEvents(inputs, inputs.istiod) : undefined;
    await applyAs(cp, secret, owner, true);
    if (inputs.istiod) await awaitSynced(inputs, inputs.istiod, eventsBefore);
    const oldRotation = olds?.rotation ?? "";
    if (olds && inputs.reader !== "group" && oldRotation !== (inputs.rotation ?? "")) {
        await deleteToken(inputs, oldRotation);
    }
    return {
        ...inputs,
        remoteSecret: `${inputs.namespace}/${secretName(inputs)}`,
        wroteServer: server,
        liveServer: server,
    };
}

/** Deletes what we made for the cluster: the remote secret, then the reader's token, binding, role and account. */
async function remove(props: RemoteSecretInputs): Promise<void> {
    const owner = ownerValue(props);
    const cp = cluster(props, props.controlPlaneCluster);
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: secretName(props), namespace: props.namespace } };
    await deleting(cp, `Secret ${props.namespace}/${secretName(props)}`, () => deleteIfOwned(cp, secret, owner));
    const remote = cluster(props, props.cluster);
    if (props.reader === "group") {
        // The group stack owns the reader. A group whose reader is already refused (401, 403) or whose cluster or
        // record is gone has nothing left to clear; anything else fails the delete, so the mark is never left behind.
        await markHubRecord(props, null).catch((e: Error) => {
            if (!(e instanceof ClusterError) || !(e.unreachable || [401, 403, 404].includes(e.status ?? 0))) throw e;
            console.error(
                `cluster "${props.cluster}": its hub record was not cleared (${e.message}); if the group stack still ` +
                    `refuses, clear it: kubectl -n ${props.namespace} annotate configmap ${remoteAccess.hubRecord(props.meshId)} ${annotations.hub}-`,
            );
        });
        return;
    }
    await deleting(remote, `the reader access of mesh "${props.meshId}" (its ServiceAccount, ClusterRole, binding and token)`, () =>
        removeReader(remote, props, owner),
    );
}

/** Revokes the reader's token of `rotation` (deletes its Secret, if ours). */
export function deleteToken(inputs: ReaderInputs, rotation: string): Promise<void> {
    const name = remoteAccess.tokenSecret(inputs.meshId, rotation);
    return deleteIfOwned(
        cluster(inputs, inputs.cluster),
        { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: inputs.namespace } },
        ownerValue(inputs),
    );
}

/** The reader's token, binding and role in the cluster istiod read, and its ServiceAccount when no other mesh's reader uses it. */
export async function removeReader(remote: Cluster, props: ReaderInputs, owner: string): Promise<void> {
    for (const obj of readerAccessObjects(ownership(props), props.namespace, props.rotation).reverse())
        await deleteIfOwned(remote, obj, owner);
    // One reader ServiceAccount per cluster, shared by the meshes that read it: one that pulumi-multinet made (for
    // whichever mesh) goes with the last reader token; one that Istio's installer made stays.
    const tokens = await remote.list<Secret>("v1", "Secret", "", props.namespace);
    const inUse = tokens.some(
        (t) =>
            t.type === "kubernetes.io/service-account-token" &&
            t.metadata.annotations?.[annotations.serviceAccountName] === remoteAccess.serviceAccount,
    );
    const sa = await remote.get<KubeObject>("v1", "ServiceAccount", remoteAccess.serviceAccount, props.namespace);
    if (!sa || ownerOf(sa) === undefined) return;
    if (inUse)
        console.error(
            `cluster "${remote.name}": ServiceAccount ${props.namespace}/${remoteAccess.serviceAccount} stays: another mesh's reader uses it`,
        );
    else await remote.delete("v1", "ServiceAccount", remoteAccess.serviceAccount, props.namespace);
}

const diffKeys: DiffKeys<RemoteSecretInputs, RemoteSecretOutputs> = {
    replace: ["cluster", "clusterId", "controlPlaneCluster", "namespace", "meshId"],
    outputs: { remoteSecret: true, wroteServer: true, liveServer: true },
    ignore: [
        // How long an update waits (for the reader's token, for istiod), not what it writes.
        "tokenTimeoutSeconds",
        "istiod",
    ],
};

export const remoteSecretProvider = {
    /** At preview: the user may make the reader in the cluster and the remote secret on the control plane. */
    async check(_olds: RemoteSecretInputs | undefined, news: RemoteSecretInputs) {
        if (hasUnknowns(news.kubeconfigs)) return { inputs: news };
        const problems = await Promise.all([
            missingPermissions(cluster(news, news.controlPlaneCluster), permissions.remoteSecrets, news.namespace),
            news.reader === "group" ? [] : missingPermissions(cluster(news, news.cluster), permissions.readCluster, news.namespace),
            takenProblems(news),
        ])
            .then((p) => p.flat())
            .catch((e: Error) => [e.message]);
        return {
            inputs: news,
            failures: problems.map((reason) => ({ property: "cluster", reason: `remote secret of "${news.cluster}": ${reason}` })),
        };
    },

    async create(inputs: RemoteSecretInputs) {
        const outs = await createOrUndo(
            () => converge(undefined, inputs),
            () => remove(inputs),
        );
        return { id: `${inputs.controlPlaneCluster}/${inputs.namespace}/${secretName(inputs)}`, outs };
    },

    async diff(_id: string, olds: RemoteSecretOutputs, news: RemoteSecretInputs) {
        const replaces = replacedBy(olds, news, diffKeys.replace);
        const drift = olds.liveServer !== olds.wroteServer;
        // No rotation (a state from before rotations) is the empty one.
        const rotated = <T extends RemoteSecretInputs>(o: T): T => ({ ...o, rotation: o.rotation ?? "" });
        const changes = replaces.length > 0 || drift || changedInputs(rotated(olds), rotated(news), diffKeys).length > 0;
        return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
    },

    async update(_id: string, olds: RemoteSecretOutputs, news: RemoteSecretInputs) {
        return { outs: await converge(olds, news) };
    },

    async read(id: string, recorded?: RemoteSecretOutputs) {
        const props = stateToRead("RemoteSecret", id, recorded);
        const secret = await cluster(props, props.controlPlaneCluster).get<Secret>("v1", "Secret", secretName(props), props.namespace);
        return { id, props: { ...props, liveServer: serverIn(secret, props) } };
    },

    async delete(_id: string, props: RemoteSecretOutputs): Promise<void> {
        await remove(props);
    },
} satisfies pulumi.dynamic.ResourceProvider<RemoteSecretInputs, RemoteSecretOutputs>;
