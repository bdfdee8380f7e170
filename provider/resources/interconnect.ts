// The interconnect: which of the stack's groups are joined, and by which gateway addresses (the ledger on the
// mesh ConfigMap, rendered into meshNetworks), and at most one control-plane restart per update when networks
// join or leave (policy "onMembershipChange"). The restart is recorded in the ledger before it is done and
// cleared after, and decided against the ledger rather than the stack's state: an update interrupted anywhere
// and run again restarts the control plane exactly once.
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ControlPlaneState, planRestart } from "../../core/changes";
import {
    emptyLedger,
    extractEntries,
    InterconnectMember,
    isolationAddress,
    ledgerEntries,
    parseGatewayEndpoint,
} from "../../core/meshNetworks";
import { fieldManagerOf, RestartPolicy } from "../../core/names";
import { KubeObject, restartPatch, restartStamp } from "../../core/render";
import { isDiscardAddress } from "../../core/validate";
import { Cluster, ClusterError } from "../kube";
import {
    AwaitIstiod,
    awaitIstiod,
    createOrUndo,
    cluster,
    CommonInputs,
    hasUnknowns,
    ownerValue,
    poll,
    sameJson,
    replacedBy,
    stateToRead,
    changedInputs,
    DiffKeys,
} from "./common";
import { gatewayFindings, isIp } from "../../core/check";
import { currentLedger, MeshConfigRef, readingMeshNetworks, readMeshConfig, updateLedger } from "./ledger";

export interface InterconnectInputs extends CommonInputs, MeshConfigRef {
    /** Member network names, sorted (known at preview even when addresses are not). */
    networks: string[];
    deployment: string;
    members: InterconnectMember[];
    controlPlaneRestart: RestartPolicy;
    /** Waiting for istiod's gateway table to show the interconnect (absent: no wait). */
    istiod?: AwaitIstiod;
}

export interface InterconnectOutputs extends InterconnectInputs {
    /** The members' meshNetworks entries as rendered YAML (what we wrote). */
    meshNetworks: string;
    /** The same entries as last read from the cluster (drift shows here). */
    liveMeshNetworks: string;
    controlPlaneRestarts: number;
    /** At the last read, the ledger held a restart an interrupted update did not do (the next update does it). */
    owedRestart?: boolean;
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
    return YAML.stringify({ networks: ledgerEntries({ ...emptyLedger("", null), joined }) });
}

type Where = CommonInputs & MeshConfigRef & { deployment: string; istiod?: AwaitIstiod };

type Deployment = KubeObject & {
    metadata: { generation?: number };
    spec?: { replicas?: number };
    status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
};

/** Whether a Deployment has rolled out `generation` (kubectl's rollout status: every replica updated and available). */
export function rolledOut(d: Deployment | undefined, generation: number): boolean {
    const st = d?.status ?? {};
    const wanted = d?.spec?.replicas ?? 1;
    return (
        (st.observedGeneration ?? 0) >= generation &&
        (st.updatedReplicas ?? 0) >= wanted &&
        (st.replicas ?? 0) <= (st.updatedReplicas ?? 0) &&
        (st.availableReplicas ?? 0) >= (st.updatedReplicas ?? 0)
    );
}

async function awaitRollout(c: Cluster, where: Where, generation: number, timeoutSeconds: number): Promise<void> {
    let last: Deployment | undefined;
    await poll(
        async () => {
            last = await c.get<Deployment>("apps/v1", "Deployment", where.deployment, where.namespace);
            return rolledOut(last, generation) ? true : undefined;
        },
        timeoutSeconds,
        500,
        () =>
            new ClusterError(
                c.name,
                `Deployment ${where.namespace}/${where.deployment} did not roll out its restart within ${timeoutSeconds} s ` +
                    `(${last?.status?.updatedReplicas ?? 0} of ${last?.spec?.replicas ?? 1} updated, ${last?.status?.availableReplicas ?? 0} available); ` +
                    `check istiod (kubectl -n ${where.namespace} rollout status deployment ${where.deployment})`,
            ),
    );
}

async function readDeployment(where: Where): Promise<KubeObject | undefined> {
    return cluster(where, where.controlPlaneCluster).get<KubeObject>("apps/v1", "Deployment", where.deployment, where.namespace);
}

/**
 * What the control plane has now: the ledger's joined networks, owed restart and policy (none: this stack has no
 * interconnect there), istiod's last restart stamp.
 */
export async function controlPlaneState(where: Where): Promise<ControlPlaneState & { policy?: RestartPolicy }> {
    const [ledger, deployment] = await Promise.all([currentLedger(where), readDeployment(where)]);
    return {
        joined: Object.keys(ledger?.joined ?? {}),
        owedRestart: ledger?.restart,
        lastRestart: restartStamp(deployment),
        policy: ledger?.controlPlaneRestart,
    };
}

/**
 * Leaves `members` joined, restarting the control plane once when the plan says so: the restart is recorded in
 * the ledger with the meshNetworks change, done, then cleared. Returns whether it restarted. With `tolerant` (a
 * delete), a ConfigMap or Deployment already gone is said and skipped, not an error.
 */
async function join(where: Where, members: InterconnectMember[], policy: RestartPolicy, tolerant = false): Promise<boolean> {
    const plan = planRestart(
        await controlPlaneState(where),
        members.map((m) => m.networkName),
        policy,
    );
    // A membership change restarts anew; an owed restart alone is done under the stamp already recorded.
    const membershipChanges = plan.joining.length > 0 || plan.leaving.length > 0;
    const stamp = plan.restartsControlPlane && membershipChanges ? new Date().toISOString() : undefined;
    const { after } = await updateLedger(
        where,
        (l) => ({
            ...l,
            joined: Object.fromEntries(members.map((m) => [m.networkName, m.addresses])),
            controlPlaneRestart: policy,
            restart: stamp ?? (plan.owed ? l.restart : undefined),
        }),
        tolerant,
    );
    if (!after.restart) return false;
    const c = cluster(where, where.controlPlaneCluster);
    try {
        const patched = await c.mergePatch<Deployment>(
            "apps/v1",
            "Deployment",
            where.deployment,
            where.namespace,
            restartPatch(after.restart),
            fieldManagerOf(ownerValue(where)),
        );
        // The restart is part of the update: done when the rollout is, as `kubectl rollout status` judges it.
        if (where.istiod) await awaitRollout(c, where, patched.metadata.generation ?? 0, where.istiod.timeoutSeconds);
    } catch (e) {
        if (!(tolerant && e instanceof ClusterError && e.status === 404)) throw e;
        console.error(`cluster "${c.name}": Deployment ${where.namespace}/${where.deployment} is gone; no control-plane restart to do`);
    }
    await updateLedger(where, (l) => ({ ...l, restart: l.restart === after.restart ? undefined : l.restart }), tolerant);
    return true;
}

const endpointsOf = (members: InterconnectMember[]) =>
    new Map(members.map((m) => [m.networkName, m.addresses.map(parseGatewayEndpoint)] as const));

/**
 * Joins the members, then waits until istiod's gateway table shows the stack's networks as the ledger has them. A
 * member reached by a hostname that istiod has not resolved for it before joins in two steps: first beside the
 * discard address, so that a name istiod cannot resolve (it drops those) never leaves the group without a gateway,
 * which would have istiod serve its Pod IPs; then, once istiod has resolved it, alone. If istiod never does, the
 * member goes back behind the discard address and the update fails, naming it.
 */
async function joinAndAwait(olds: InterconnectOutputs | undefined, news: InterconnectInputs): Promise<boolean> {
    const wait = news.istiod;
    if (!wait) return join(news, news.members, news.controlPlaneRestart);
    const before = olds ? recordedMembers(olds) : [];
    const fresh = news.members.filter(
        (m) =>
            m.addresses.some((a) => !isIp(parseGatewayEndpoint(a).address)) &&
            !sameJson(before.find((b) => b.networkName === m.networkName)?.addresses, m.addresses),
    );
    const staged = fresh.map((m) => m.networkName);
    const restarted = await join(
        news,
        news.members.map((m) => (staged.includes(m.networkName) ? { ...m, addresses: [...m.addresses, isolationAddress] } : m)),
        news.controlPlaneRestart,
    );
    if (staged.length) {
        try {
            await awaitIstiod(news, wait, ["gateways"], `the gateway hostnames of network(s) ${staged.join(", ")} resolved`, (view) =>
                gatewayFindings({ joined: endpointsOf(fresh), outside: [] }, view, undefined, staged),
            );
        } catch (e) {
            const keep = news.members.filter((m) => !staged.includes(m.networkName));
            await updateLedger(news, (l) => ({ ...l, joined: Object.fromEntries(keep.map((m) => [m.networkName, m.addresses])) }));
            throw e;
        }
        await updateLedger(news, (l) => ({ ...l, joined: Object.fromEntries(news.members.map((m) => [m.networkName, m.addresses])) }));
    }
    const ledger = await currentLedger(news);
    const joined = endpointsOf(news.members);
    const outside = (ledger?.groups ?? []).filter((n) => !joined.has(n));
    await awaitIstiod(news, wait, ["gateways"], "the interconnect's gateways", (view) => gatewayFindings({ joined, outside }, view));
    return restarted;
}

async function converge(olds: InterconnectOutputs | undefined, news: InterconnectInputs): Promise<InterconnectOutputs> {
    if (olds && olds.configMap !== news.configMap) {
        // The interconnect moves to another mesh ConfigMap: its entries leave the old one (no restart for that: the
        // same control plane joins them from the new one below, once).
        await updateLedger(olds, (l) => ({ ...l, joined: {}, restart: undefined }));
    }
    const restarted = await joinAndAwait(olds, news);
    const rendered = renderMembers(news.members);
    return {
        ...news,
        meshNetworks: rendered,
        liveMeshNetworks: rendered,
        controlPlaneRestarts: (olds?.controlPlaneRestarts ?? 0) + (restarted ? 1 : 0),
        owedRestart: false,
    };
}

const diffKeys: DiffKeys<InterconnectInputs, InterconnectOutputs> = {
    replace: ["controlPlaneCluster", "namespace", "meshId"],
    outputs: { meshNetworks: true, liveMeshNetworks: true, controlPlaneRestarts: true, owedRestart: true },
    ignore: [
        // How an update waits for istiod, not what it writes.
        "istiod",
    ],
};

export const interconnectProvider = {
    async check(_olds: InterconnectInputs | undefined, news: InterconnectInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (!Array.isArray(news.members)) return { inputs: news }; // unknown during preview
        news.members.forEach((m, i) => {
            if (hasUnknowns(m.addresses)) return;
            if (m.addresses.length === 0)
                failures.push({
                    property: "members",
                    reason: `members[${i}] ("${m.networkName}"): no gateway address to reach it by; its gateways have none yet`,
                });
            if (m.addresses.some((a) => isDiscardAddress(parseGatewayEndpoint(a).address)))
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

    async create(inputs: InterconnectInputs) {
        // Undone without a restart: the networks leave meshNetworks again (istiod hot-reloads it).
        const outs = await createOrUndo(
            () => converge(undefined, inputs),
            () => updateLedger(inputs, (l) => ({ ...l, joined: {}, restart: undefined }), true).then(() => undefined),
        );
        return { id: `${inputs.meshId}/interconnect`, outs };
    },

    async diff(_id: string, olds: InterconnectOutputs, news: InterconnectInputs) {
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
        // A new ConfigMap is an update: the entries move there, with one restart (see converge).
        const replaces = replacedBy(olds, news, diffKeys.replace);
        // A restart an interrupted update recorded but did not do is owed whatever the state says: the update does it
        // (and the preview, which reads the same record, says so).
        const owed = hasUnknowns(news.kubeconfigs)
            ? false
            : // Read with the new credentials: the old ones may be the reason for this update (rotated or revoked).
              planRestart(await controlPlaneState({ ...olds, kubeconfigs: news.kubeconfigs }), olds.networks, olds.controlPlaneRestart)
                  .owed;
        const drift = olds.liveMeshNetworks !== olds.meshNetworks || olds.owedRestart === true || owed;
        const changes = replaces.length > 0 || drift || changedInputs(olds, news, diffKeys).length > 0;
        return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
    },

    async update(_id: string, olds: InterconnectOutputs, news: InterconnectInputs) {
        return { outs: await converge(olds, news) };
    },

    async read(id: string, recorded?: InterconnectOutputs) {
        const props = stateToRead("Interconnect", id, recorded);
        const text = (await readMeshConfig(props))?.data?.meshNetworks;
        const live = YAML.stringify({
            networks: readingMeshNetworks(props.controlPlaneCluster, props, () => extractEntries(text, props.networks)),
        });
        const state = await controlPlaneState(props);
        return {
            id,
            props: { ...props, liveMeshNetworks: live, owedRestart: planRestart(state, state.joined, props.controlPlaneRestart).owed },
        };
    },

    async delete(_id: string, props: InterconnectOutputs): Promise<void> {
        // Tolerant: Istio may be gone already (its ConfigMap deleted with it); then there is nothing to give back.
        await join(props, [], props.controlPlaneRestart, true);
    },
} satisfies pulumi.dynamic.ResourceProvider<InterconnectInputs, InterconnectOutputs>;
