// The interconnect: which of the stack's groups are joined, and by which gateway addresses (the ledger on the
// mesh ConfigMap, rendered into meshNetworks), and at most one control-plane restart per update when networks
// join or leave (policy "onMembershipChange").
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { classifyInterconnect, RestartPolicy } from "../../core/changes";
import { extractEntries, InterconnectMember, isolationAddress, ledgerEntries } from "../../core/meshNetworks";
import { KubeObject, restartPatch } from "../../core/render";
import { cluster, CommonInputs, hasUnknowns, sameJson, replacedBy } from "./common";
import { MeshConfigRef, updateLedger } from "./ledger";

export interface InterconnectInputs extends CommonInputs, MeshConfigRef {
    /** Member network names, sorted (known at preview even when addresses are not). */
    networks: string[];
    deployment: string;
    members: InterconnectMember[];
    controlPlaneRestart: RestartPolicy;
}

export interface InterconnectOutputs extends InterconnectInputs {
    /** The members' meshNetworks entries as rendered YAML (what we wrote). */
    meshNetworks: string;
    /** The same entries as last read from the cluster (drift shows here). */
    liveMeshNetworks: string;
    controlPlaneRestarts: number;
}

/** The members a state recorded; releases before 0.2 named a member's network `network`. */
function recordedMembers(olds: InterconnectOutputs): InterconnectMember[] {
    return olds.members.map((m) => ({
        networkName: m.networkName ?? (m as unknown as { network: string }).network,
        addresses: m.addresses,
    }));
}

/** The joined networks' entries as YAML: a pure function of the members, so outputs compare across runs. */
function renderMembers(members: InterconnectMember[]): string {
    const joined = Object.fromEntries(members.map((m) => [m.networkName, m.addresses]));
    return YAML.stringify({ networks: ledgerEntries({ owner: "", groups: [], joined, controlPlaneRestart: "never", original: null }) });
}

async function restart(news: InterconnectInputs): Promise<void> {
    const c = cluster(news, news.controlPlaneCluster);
    await c.apply(restartPatch(news.deployment, news.namespace, new Date().toISOString()), true);
}

async function converge(olds: InterconnectOutputs | undefined, news: InterconnectInputs): Promise<InterconnectOutputs> {
    const change = classifyInterconnect(olds ? recordedMembers(olds) : [], news.members, news.controlPlaneRestart);
    await updateLedger(news, (l) => ({
        ...l,
        joined: Object.fromEntries(news.members.map((m) => [m.networkName, m.addresses])),
        controlPlaneRestart: news.controlPlaneRestart,
    }));
    if (change.restartsControlPlane) await restart(news);
    const rendered = renderMembers(news.members);
    return {
        ...news,
        meshNetworks: rendered,
        liveMeshNetworks: rendered,
        controlPlaneRestarts: (olds?.controlPlaneRestarts ?? 0) + (change.restartsControlPlane ? 1 : 0),
    };
}

export const interconnectProvider = {
    async check(_olds: InterconnectInputs | undefined, news: InterconnectInputs): Promise<pulumi.dynamic.CheckResult> {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (!Array.isArray(news.members)) return { inputs: news }; // unknown during preview
        news.members.forEach((m, i) => {
            if (hasUnknowns(m.addresses)) return;
            if (m.addresses.length === 0)
                failures.push({
                    property: "members",
                    reason: `members[${i}] ("${m.networkName}"): no gateway address to reach it by; its gateways have none yet`,
                });
            if (m.addresses.includes(isolationAddress))
                failures.push({
                    property: "members",
                    reason:
                        `members[${i}] ("${m.networkName}"): ` +
                        `${isolationAddress} is the discard address that keeps groups outside the interconnect unreachable; ` +
                        `give the gateway a real address`,
                });
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
        news = {
            ...news,
            members: news.members.map((m) =>
                hasUnknowns(m.addresses)
                    ? { ...m, addresses: recordedMembers(olds).find((o) => o.networkName === m.networkName)?.addresses ?? m.addresses }
                    : m,
            ),
        };
        const replaces = replacedBy(olds, news, ["controlPlaneCluster", "namespace", "configMap", "meshId"] as const);
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
        const change = classifyInterconnect(recordedMembers(props), [], props.controlPlaneRestart);
        await updateLedger(props, (l) => ({ ...l, joined: {} }));
        if (change.restartsControlPlane) await restart(props);
    },
};
