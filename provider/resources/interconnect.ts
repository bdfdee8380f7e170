// The interconnect: our networks in meshNetworks of the control plane's mesh ConfigMap, and at most one
// control-plane restart per update when networks join or leave (policy "onMembershipChange").
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { Cluster, ClusterAccess, ClusterError } from "../kube";
import { classifyInterconnect, RestartPolicy } from "../../core/changes";
import { extractEntries, InterconnectMember, mergeMeshNetworks, parseMeshNetworks, renderEntries } from "../../core/meshNetworks";
import { KubeObject, restartPatch } from "../../core/render";
import { cluster, CommonInputs, hasUnknowns, ownerValue, retryOnConflict, sameJson } from "./common";

export interface InterconnectInputs extends CommonInputs {
    /** Member network names, sorted (known at preview even when addresses are not). */
    networks: string[];
    controlPlaneCluster: string;
    namespace: string;
    configMap: string;
    deployment: string;
    members: InterconnectMember[];
    controlPlaneRestart: RestartPolicy;
}

export interface InterconnectOutputs extends InterconnectInputs {
    /** Our networks as rendered YAML (what we wrote). */
    meshNetworks: string;
    /** Our networks as last read from the cluster (drift shows here). */
    liveMeshNetworks: string;
    controlPlaneRestarts: number;
    /** meshNetworks text before our first write; null when the key did not exist. Restored when we leave. */
    original: string | null;
}

/** Annotation on the ConfigMap that records which networks this stack wrote, and the text before it. */
const ledgerKey = "multinet.pulumi.io/mesh-networks";

interface Ledger {
    owner: string;
    networks: string[];
    original: string | null;
    controlPlaneRestart: RestartPolicy;
}

function readLedger(cm: KubeObject, owner: string): Ledger | undefined {
    try {
        const l = JSON.parse(cm.metadata.annotations?.[ledgerKey] ?? "");
        return l?.owner === owner ? l : undefined;
    } catch {
        return undefined;
    }
}

async function writeMeshNetworks(olds: InterconnectOutputs | undefined, news: InterconnectInputs, members: InterconnectMember[]) {
    const c = cluster(news, news.controlPlaneCluster);
    const owner = ownerValue(news);
    const ours = renderEntries(members);
    return retryOnConflict(async () => {
        const cm = await c.get<KubeObject & { data?: Record<string, string> }>("v1", "ConfigMap", news.configMap, news.namespace);
        if (!cm) {
            throw new ClusterError(c.name, `the control plane's ConfigMap ${news.namespace}/${news.configMap} does not exist; is Istio installed there? For a revisioned install set the MultiNetworking's controlPlane.configMap to "istio-<revision>"`);
        }
        const ledger = readLedger(cm, owner);
        const ownedBefore = [...new Set([...(olds?.networks ?? []), ...(ledger?.networks ?? [])])];
        const original = olds ? olds.original : ledger ? ledger.original : (cm.data?.meshNetworks ?? null);
        const foreign = Object.keys(parseMeshNetworks(cm.data?.meshNetworks).networks).filter((n) => !ownedBefore.includes(n));
        const clash = Object.keys(ours).filter((n) => foreign.includes(n));
        if (clash.length) {
            throw new ClusterError(c.name, `meshNetworks in ${news.namespace}/${news.configMap} already has network(s) ${clash.join(", ")} written by someone else; they are not overwritten. Remove them there or rename the NetworkGroup`);
        }
        const text = mergeMeshNetworks(cm.data?.meshNetworks, ownedBefore, ours, original);
        const leaving = Object.keys(ours).length === 0;
        const body: KubeObject = {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: {
                name: news.configMap,
                namespace: news.namespace,
                resourceVersion: (cm.metadata as any).resourceVersion,
                ...(leaving ? {} : { annotations: { [ledgerKey]: JSON.stringify({ owner, networks: Object.keys(ours), original, controlPlaneRestart: news.controlPlaneRestart } satisfies Ledger) } }),
            },
            // We merged every foreign entry into `text`, so taking the field over loses nothing.
            ...(text === undefined ? {} : { data: { meshNetworks: text } }),
        };
        await c.apply(body, true);
        return { text, original };
    });
}

/**
 * For a preview of a program that no longer declares an interconnect: the networks this stack's interconnect
 * still has joined (from the ConfigMap's ledger) and its restart policy, or undefined.
 */
export async function joinedByStack(
    access: ClusterAccess,
    where: { namespace: string; configMap: string },
    who: Pick<CommonInputs, "owner" | "meshId">,
): Promise<Pick<Ledger, "networks" | "controlPlaneRestart"> | undefined> {
    const cm = await Cluster.connect(access).get<KubeObject>("v1", "ConfigMap", where.configMap, where.namespace);
    const ledger = cm && readLedger(cm, ownerValue(who));
    return ledger?.networks.length ? { networks: ledger.networks, controlPlaneRestart: ledger.controlPlaneRestart ?? "onMembershipChange" } : undefined;
}

async function restart(news: InterconnectInputs): Promise<void> {
    const c = cluster(news, news.controlPlaneCluster);
    await c.apply(restartPatch(news.deployment, news.namespace, new Date().toISOString()), true);
}

async function converge(olds: InterconnectOutputs | undefined, news: InterconnectInputs): Promise<InterconnectOutputs> {
    const change = classifyInterconnect(olds?.members ?? [], news.members, news.controlPlaneRestart);
    const { original } = await writeMeshNetworks(olds, news, news.members);
    if (change.restartsControlPlane) await restart(news);
    const rendered = YAML.stringify({ networks: renderEntries(news.members) });
    return {
        ...news,
        meshNetworks: rendered,
        liveMeshNetworks: rendered,
        controlPlaneRestarts: (olds?.controlPlaneRestarts ?? 0) + (change.restartsControlPlane ? 1 : 0),
        original,
    };
}

export const interconnectProvider = {
    async check(_olds: InterconnectInputs | undefined, news: InterconnectInputs): Promise<pulumi.dynamic.CheckResult> {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (!Array.isArray(news.members)) return { inputs: news }; // unknown during preview
        news.members.forEach((m, i) => {
            if (!hasUnknowns(m.addresses) && m.addresses.length === 0) {
                failures.push({ property: "members", reason: `members[${i}] ("${m.network}"): no gateway address to reach it by; its gateways have none yet` });
            }
        });
        return { inputs: news, failures };
    },

    async create(inputs: InterconnectInputs): Promise<pulumi.dynamic.CreateResult> {
        return { id: `${inputs.meshId}/interconnect`, outs: await converge(undefined, inputs) };
    },

    async diff(_id: string, olds: InterconnectOutputs, news: InterconnectInputs): Promise<pulumi.dynamic.DiffResult> {
        // In a preview, a gateway being updated has an unknown address. The update keeps its Service and so its
        // address; assume the old one rather than announce an interconnect update that will not happen. The real
        // `up` diffs again with the actual address.
        news = { ...news, members: news.members.map((m) => (hasUnknowns(m.addresses) ? { ...m, addresses: olds.members.find((o) => o.network === m.network)?.addresses ?? m.addresses } : m)) };
        const replaces = (["controlPlaneCluster", "namespace", "configMap", "meshId"] as const).filter((k) => olds[k] !== news[k]);
        const drift = olds.liveMeshNetworks !== olds.meshNetworks;
        const fields = ["members", "controlPlaneRestart", "deployment", "kubeconfigs", "owner"] as const;
        const changes = replaces.length > 0 || drift || fields.some((k) => !sameJson(olds[k], news[k]));
        return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
    },

    async update(_id: string, olds: InterconnectOutputs, news: InterconnectInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await converge(olds, news) };
    },

    async read(id: string, props: InterconnectOutputs): Promise<pulumi.dynamic.ReadResult> {
        const c = cluster(props, props.controlPlaneCluster);
        const cm = await c.get<KubeObject & { data?: Record<string, string> }>("v1", "ConfigMap", props.configMap, props.namespace);
        const live = YAML.stringify({ networks: extractEntries(cm?.data?.meshNetworks, props.networks) });
        return { id, props: { ...props, liveMeshNetworks: live } };
    },

    async delete(_id: string, props: InterconnectOutputs): Promise<void> {
        const change = classifyInterconnect(props.members, [], props.controlPlaneRestart);
        await writeMeshNetworks(props, { ...props, networks: [] }, []);
        if (change.restartsControlPlane) await restart(props);
    },
};
