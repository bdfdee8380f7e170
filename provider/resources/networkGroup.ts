// A network group: the label topology.istio.io/network=<network> on the Istio system namespace of each member,
// and the group's entry in meshNetworks (behind the discard address until the interconnect joins it, see
// core/meshNetworks.ts). Server-side apply does the bookkeeping: a label that someone else set to the same value
// stays when we leave, one set to another value is a conflict we report. A cluster moving between two groups of
// one stack works in either order: a group only releases a namespace whose group label still names it.
import type * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../kube";
import { readInjectorNetworks } from "../inspect";
import { injectionFix, injectionProblem } from "../../core/check";
import { fieldManagerOf, labels, legacyFieldManager } from "../../core/names";
import { KubeObject, networkLabelPatch } from "../../core/render";
import {
    createOrUndo,
    applyAs,
    deleting,
    cluster,
    CommonInputs,
    forEachCluster,
    hasUnknowns,
    noIstioNamespace,
    ownerOf,
    ownership,
    ownerValue,
    retryOnConflict,
    replacedBy,
    stateToRead,
    changedInputs,
    DiffKeys,
    refuseWhileHubReads,
    missingPermissions,
} from "./common";
import { permissions } from "../../core/permissions";
import { entryClash, MeshConfigRef, meshNetworksOf, readLedger, readMeshConfig, updateLedger } from "./ledger";
import { Ledger, ledgerNetworks } from "../../core/meshNetworks";

export interface NetworkGroupInputs extends CommonInputs, MeshConfigRef {
    networkName: string;
    namespace: string;
    clusters: string[];
    /**
     * Which half of the group this resource writes, in a mesh split across stacks: "labels", the members' network
     * labels (a group stack, which has no control plane: `controlPlaneCluster` and `configMap` are empty); "entry",
     * the group's meshNetworks entry (the hub's NetworkGroupReference, which has no kubeconfig of the members).
     * Absent: both.
     */
    manages?: "labels" | "entry";
    /** With "entry": each member's Istio cluster ID (the hub's MultiNetworking does not declare them), for the check. */
    clusterIds?: Record<string, string>;
}

const writesLabels = (i: NetworkGroupInputs) => i.manages !== "entry";
const writesEntry = (i: NetworkGroupInputs) => i.manages !== "labels";

export interface NetworkGroupOutputs extends NetworkGroupInputs {
    /** Network label of each member's namespace as last seen (drift shows here). */
    live: Record<string, string | null>;
    /** Whether the group's meshNetworks entry was there at the last read (drift shows here). */
    liveEntry?: boolean;
}

async function readNamespace(c: Cluster, name: string): Promise<KubeObject | undefined> {
    return c.get<KubeObject>("v1", "Namespace", name);
}

/** Why this group may not claim the cluster's namespace, or undefined. Reads only. */
async function claimProblem(inputs: NetworkGroupInputs, name: string): Promise<string | undefined> {
    const c = cluster(inputs, name);
    const ns = await readNamespace(c, inputs.namespace);
    if (!ns) return noIstioNamespace(name, inputs.namespace);
    const owner = ownerOf(ns);
    const group = ns.metadata.labels?.[labels.networkGroup];
    const network = ns.metadata.labels?.[labels.network];
    if (group && owner && owner !== ownerValue(inputs)) {
        return `cluster "${name}" already belongs to network group "${group}" of "${owner}"; a cluster is in one group only — remove it there first`;
    }
    if (!group && network && network !== inputs.networkName) {
        return (
            `namespace ${inputs.namespace} on cluster "${name}" is already labelled ${labels.network}=${network} by something other than pulumi-multinet; ` +
            `it is not taken over silently — remove that label (kubectl label namespace ${inputs.namespace} ${labels.network}-) or name the group "${network}"`
        );
    }
    return undefined;
}

/** Why the cluster's sidecar injector contradicts the group's network (see core/check.ts, injectionProblem), or undefined. */
async function injectorProblem(inputs: NetworkGroupInputs, name: string): Promise<string | undefined> {
    const controlPlane = writesEntry(inputs) ? cluster(inputs, inputs.controlPlaneCluster) : undefined;
    const injected = await readInjectorNetworks(cluster(inputs, name), inputs.namespace, controlPlane);
    const problem = injectionProblem(name, inputs.networkName, injected);
    const other = injected.find((i) => i.network !== inputs.networkName);
    return problem && other ? `${problem}. Fix: ${injectionFix(name, inputs.networkName, other.network)}` : undefined;
}

/** Why the group's meshNetworks entry cannot be written (someone else has one for its network), or undefined. */
async function entryProblem(inputs: NetworkGroupInputs): Promise<string | undefined> {
    const cm = await readMeshConfig(inputs);
    if (!cm) return undefined; // the MultiNetworking's check names a missing ConfigMap
    const ledger = readLedger(cm, ownerValue(inputs));
    return entryClash(cm, inputs, ownerValue(inputs), [inputs.networkName], ledger ? ledgerNetworks(ledger) : []);
}

async function claim(inputs: NetworkGroupInputs, name: string): Promise<string> {
    const c = cluster(inputs, name);
    const ns = await readNamespace(c, inputs.namespace);
    // Forced only where this stack already holds the namespace: then a changed label is drift to heal.
    const ours = ns?.metadata.labels?.[labels.networkGroup] !== undefined && ownerOf(ns) === ownerValue(inputs);
    await applyAs(
        c,
        networkLabelPatch(ownership(inputs), inputs.namespace, inputs.networkName),
        ownerValue(inputs),
        ours,
        "A cluster is in one group only: remove it from that group first.",
    );
    return inputs.networkName;
}

/**
 * `release`, skipped under the opt-in when the cluster is gone for good (see common.ts, deleting); in a group stack,
 * refused while a hub still reads the cluster.
 */
function releasing(props: NetworkGroupInputs, name: string): Promise<void> {
    const c = cluster(props, name);
    const what = `the network labels of group "${props.networkName}" on namespace ${props.namespace}`;
    return deleting(c, what, async () => {
        if (!writesEntry(props)) await refuseWhileHubReads(c, props.namespace, props.meshId, what);
        await release(props, name);
    });
}

/** Takes our labels off, unless another group of this stack has claimed the namespace meanwhile. */
async function release(props: NetworkGroupInputs, name: string): Promise<void> {
    const c = cluster(props, name);
    await retryOnConflict(async () => {
        const ns = await readNamespace(c, props.namespace);
        if (!ns || ns.metadata.labels?.[labels.networkGroup] !== props.networkName || ownerOf(ns) !== ownerValue(props)) return;
        // An apply without our fields drops them; resourceVersion makes it fail if a move raced us. Labels a release
        // before 0.2 wrote are held by its field manager: they go the same way, in the same release.
        const managers = new Set(((ns.metadata as any).managedFields ?? []).map((f: any) => f.manager));
        let resourceVersion: string | undefined = (ns.metadata as any).resourceVersion;
        for (const manager of [fieldManagerOf(ownerValue(props)), legacyFieldManager].filter((m) => managers.has(m))) {
            await c.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: props.namespace, resourceVersion } }, manager, false);
            resourceVersion = undefined;
        }
    });
}

async function converge(olds: NetworkGroupInputs | undefined, news: NetworkGroupInputs): Promise<NetworkGroupOutputs> {
    // A stack that becomes a group stack (or a whole mesh again) keeps its group in place: the labels and the entry
    // are each released only by the inputs that wrote them, with those inputs' kubeconfigs.
    const keptLabels = writesLabels(news) ? news.clusters : [];
    const removed = olds && writesLabels(olds) ? olds.clusters.filter((c) => !keptLabels.includes(c)) : [];
    const live: Record<string, string | null> = {};
    await forEachCluster(keptLabels, async (name) => {
        live[name] = await claim(news, name);
    });
    await forEachCluster(removed, (name) => releasing(olds!, name));
    const entryMoves =
        olds !== undefined &&
        writesEntry(olds) &&
        (!writesEntry(news) || olds.configMap !== news.configMap || olds.controlPlaneCluster !== news.controlPlaneCluster);
    // The mesh's ConfigMap changed (the group's entry moves with it), or the entry is the hub's now.
    if (entryMoves && olds.configMap !== undefined) await updateLedger(olds, (l) => withoutGroup(l, olds.networkName));
    if (!writesEntry(news)) return { ...news, live, liveEntry: true };
    await updateLedger(news, (l) => ({
        ...l,
        groups: [...new Set([...l.groups, news.networkName])],
        groupClusters: { ...l.groupClusters, [news.networkName]: [...news.clusters].sort() },
        ...(news.clusterIds ? { referencedClusters: { ...l.referencedClusters, [news.networkName]: news.clusterIds } } : {}),
    }));
    return { ...news, live, liveEntry: true };
}

function withoutGroup(l: Ledger, networkName: string): Ledger {
    const { [networkName]: _gone, ...groupClusters } = l.groupClusters ?? {};
    const { [networkName]: _ids, ...referencedClusters } = l.referencedClusters ?? {};
    return {
        ...l,
        groups: l.groups.filter((g) => g !== networkName),
        groupClusters,
        referencedClusters: Object.keys(referencedClusters).length ? referencedClusters : undefined,
    };
}

/** Releases every member's namespace and takes the group's entry out of meshNetworks. */
async function remove(props: NetworkGroupInputs): Promise<void> {
    if (writesLabels(props)) await forEachCluster(props.clusters, (name) => releasing(props, name));
    if (writesEntry(props)) await updateLedger(props, (l) => withoutGroup(l, props.networkName), true);
}

// A new control-plane cluster or ConfigMap moves the group's meshNetworks entry, and a new `manages` hands a half of
// the group over: an update, not a replace (a replace would relabel the clusters, then release them).
const diffKeys: DiffKeys<NetworkGroupInputs, NetworkGroupOutputs> = {
    replace: ["networkName", "meshId", "namespace"],
    outputs: { live: true, liveEntry: true },
    ignore: [],
};

export const networkGroupProvider = {
    async check(olds: NetworkGroupInputs | undefined, news: NetworkGroupInputs) {
        if (hasUnknowns(news.kubeconfigs)) return { inputs: news };
        const groupStack = !writesEntry(news);
        // In a group stack, a cluster that leaves the group while a hub reads it is refused here, before any write.
        const leaving =
            // A create's olds are empty.
            groupStack && olds?.clusters && writesLabels(olds) && !hasUnknowns(olds.kubeconfigs)
                ? olds.clusters.filter((c) => !news.clusters.includes(c))
                : [];
        const problems = (
            await Promise.all([
                ...(writesLabels(news) ? news.clusters : []).flatMap((name) => [
                    claimProblem(news, name).catch((e: Error) => e.message),
                    injectorProblem(news, name).catch((e: Error) => e.message),
                    // A group stack has no GatewayRule, whose check asks this of every cluster otherwise.
                    groupStack
                        ? missingPermissions(cluster(news, name), permissions.everyCluster, news.namespace)
                              .then((m) => m.join("; "))
                              .catch((e: Error) => e.message)
                        : undefined,
                ]),
                ...leaving.map((name) =>
                    refuseWhileHubReads(
                        cluster(olds!, name),
                        olds!.namespace,
                        olds!.meshId,
                        `cluster "${name}" from group "${olds!.networkName}"`,
                    ).then(
                        () => undefined,
                        (e: Error) => e.message,
                    ),
                ),
                writesEntry(news) ? entryProblem(news).catch((e: Error) => e.message) : undefined,
            ])
        ).filter((p): p is string => !!p);
        return {
            inputs: news,
            failures: problems.map((reason) => ({ property: "clusters", reason: `NetworkGroup "${news.networkName}": ${reason}` })),
        };
    },

    async create(inputs: NetworkGroupInputs) {
        const outs = await createOrUndo(
            () => converge(undefined, inputs),
            () => remove(inputs),
        );
        return { id: `${inputs.meshId}/${inputs.networkName}`, outs };
    },

    async diff(_id: string, olds: NetworkGroupOutputs, news: NetworkGroupInputs) {
        const replaces = replacedBy(olds, news, diffKeys.replace);
        // No liveEntry: a release before 0.2 made the group and wrote no entry for it; the update writes one.
        const drift = (writesLabels(olds) && olds.clusters.some((c) => olds.live?.[c] !== olds.networkName)) || olds.liveEntry !== true;
        // Members are a set: their order changes nothing.
        const sorted = <T extends NetworkGroupInputs>(o: T): T => ({ ...o, clusters: [...o.clusters].sort() });
        const changes = replaces.length > 0 || drift || changedInputs(sorted(olds), sorted(news), diffKeys).length > 0;
        return { changes, replaces };
    },

    async update(_id: string, olds: NetworkGroupOutputs, news: NetworkGroupInputs) {
        return { outs: await converge(olds, news) };
    },

    async read(id: string, recorded?: NetworkGroupOutputs) {
        const props = stateToRead("NetworkGroup", id, recorded);
        const live: Record<string, string | null> = {};
        if (writesLabels(props))
            await forEachCluster(props.clusters, async (name) => {
                const ns = await readNamespace(cluster(props, name), props.namespace);
                live[name] = ns?.metadata.labels?.[labels.network] ?? null;
            });
        const liveEntry = !writesEntry(props) || props.networkName in meshNetworksOf(await readMeshConfig(props), props);
        return { id, props: { ...props, live, liveEntry } };
    },

    async delete(_id: string, props: NetworkGroupOutputs): Promise<void> {
        await remove(props);
    },
} satisfies pulumi.dynamic.ResourceProvider<NetworkGroupInputs, NetworkGroupOutputs>;
