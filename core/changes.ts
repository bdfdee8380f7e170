// Change classification: what an update of the interconnect or of a group disrupts. The preview's warnings
// and the provider's restart decision both come from here, so they cannot disagree.
import { InterconnectMember } from "./meshNetworks";
import type { RestartPolicy } from "./names";

/** What an update does to the interconnect: networks joining and leaving in it, and those whose gateways change. */
export interface InterconnectChange {
    joining: string[];
    leaving: string[];
    /** Networks in both, with different gateway addresses (hot-reloaded by istiod). */
    changed: string[];
    restartsControlPlane: boolean;
}

function key(m: InterconnectMember): string {
    return JSON.stringify([...m.addresses].sort());
}

export function classifyInterconnect(before: InterconnectMember[], after: InterconnectMember[], policy: RestartPolicy): InterconnectChange {
    const old = new Map(before.map((m) => [m.networkName, m]));
    const now = new Map(after.map((m) => [m.networkName, m]));
    const joining = [...now.keys()].filter((n) => !old.has(n)).sort();
    const leaving = [...old.keys()].filter((n) => !now.has(n)).sort();
    const changed = [...now.keys()].filter((n) => old.has(n) && key(old.get(n)!) !== key(now.get(n)!)).sort();
    return { joining, leaving, changed, restartsControlPlane: policy === "onMembershipChange" && joining.length + leaving.length > 0 };
}

/** The same classification from network names alone (what a preview always knows): joins and leaves only. */
function classifyMembership(before: string[], after: string[], policy: RestartPolicy): InterconnectChange {
    const named = (networks: string[]) => networks.map((networkName) => ({ networkName, addresses: [] }));
    return classifyInterconnect(named(before), named(after), policy);
}

/** What the control plane has, as the cluster records it: the stack's joined networks (its ledger), a restart
 * an update promised but may not have done (its id), and the last restart stamp on istiod's pod template. */
export interface ControlPlaneState {
    joined: string[];
    owedRestart?: string;
    lastRestart?: string;
}

export interface RestartPlan extends InterconnectChange {
    /** An earlier update recorded a restart it did not get to do; this one does it. */
    owed: boolean;
}

/**
 * Whether an update that leaves `next` joined restarts the control plane: judged against what the control plane
 * has, not against the stack's state, so that an interrupted update's restart is neither repeated nor lost. The
 * provider decides with it, and the preview warns with it.
 */
export function planRestart(live: ControlPlaneState, next: string[], policy: RestartPolicy): RestartPlan {
    const change = classifyMembership(live.joined, next, policy);
    // Under "never" nothing is owed: the user chose hot reload, and the next write clears the old record.
    const owed = policy !== "never" && live.owedRestart !== undefined && live.owedRestart !== live.lastRestart;
    return { ...change, owed, restartsControlPlane: change.restartsControlPlane || owed };
}

/** What the preview says of a restart (undefined: none). `removed`: the program dropped its Interconnect. */
export function restartWarning(
    plan: InterconnectChange & { owed?: boolean },
    deployment: string,
    namespace: string,
    cluster: string,
    removed = false,
    /** How many remote clusters istiod reads (its remote secrets): a large mesh is told what the restart costs. */
    remoteClusters = 0,
): string | undefined {
    if (!plan.restartsControlPlane) return undefined;
    const parts = [
        plan.joining.length ? `network(s) ${plan.joining.map((n) => `"${n}"`).join(", ")} join` : "",
        plan.leaving.length ? `network(s) ${plan.leaving.map((n) => `"${n}"`).join(", ")} leave` : "",
    ].filter(Boolean);
    const why = parts.length
        ? `${parts.join(" and ")} the interconnect`
        : "an earlier update was interrupted before the restart it recorded";
    // The advice helps only where the program's membership change is the cause and an Interconnect is there to set it on.
    const after = removed
        ? " (The Interconnect was removed from the program.)"
        : parts.length
          ? ` Set controlPlaneRestart: "never" to rely on istiod's hot reload instead.`
          : "";
    // The bench (README, "Benchmark") measures how long a restarted istiod leaves remote clusters unsynced.
    const cost =
        remoteClusters >= largeMesh
            ? ` The new istiod then reads its ${remoteClusters} remote clusters afresh before it serves their endpoints: ` +
              `the bench measured them unsynced for about 2 to 3.5 s from 8 to 32 clusters (2 cores); clusters with many Services take longer.`
            : "";
    return `this update restarts the mesh control plane: ${why}, so Deployment ${namespace}/${deployment} on cluster "${cluster}" rolls once.${cost}${after}`;
}

/** From how many remote clusters the restart warning states the restart's sync cost. */
export const largeMesh = 8;

/**
 * Clusters whose network changes when a group takes them: those whose Istio namespace is labelled with another
 * network now (`current`: cluster -> network label as read from the cluster). Judged where a cluster arrives, so it
 * holds whatever happens to the group it leaves (updated, deleted, renamed). Returns cluster -> network it leaves.
 */
export function movesInto(network: string, clusters: string[], current: Record<string, string | undefined>): Map<string, string> {
    const moves = new Map<string, string>();
    for (const c of clusters) {
        const from = current[c];
        if (from && from !== network) moves.set(c, from);
    }
    return moves;
}

/**
 * What a move does to the workloads of the cluster, or undefined when they need nothing (the preview stays silent).
 * `injected`: whether the cluster's sidecar injector gives Pods a network (it must then be `to`: the preview refuses
 * a group the injector contradicts). Read in Istio (1.31): a Pod injected with a network carries it as its label
 * topology.istio.io/network, which wins over the namespace's (pilot/pkg/serviceregistry/kube/controller, Network),
 * and its proxy keeps ISTIO_META_NETWORK for its life (pilot/pkg/xds/ads.go reads it once); a Pod injected without
 * a network has neither, so istiod moves its endpoints with the namespace label at once and a restart changes
 * nothing.
 */
export function moveWarning(cluster: string, from: string, to: string, injected: boolean): string | undefined {
    if (!injected) return undefined;
    return (
        `cluster "${cluster}" moves from network "${from}" to "${to}": its injector gives new Pods "${to}", but Pods injected before ` +
        `keep "${from}" (their topology.istio.io/network label and their proxy's ISTIO_META_NETWORK, fixed at injection), so istiod ` +
        `counts them in "${from}" until they restart. Restart the workloads on "${cluster}" (e.g. kubectl rollout restart deployment -n <namespace>).`
    );
}

/** The preview's word on a rotation of a cluster's reader token (MultiNetworking's remoteSecretRotation). */
export function rotationWarning(cluster: string, from: string, to: string): string {
    return (
        `the reader token istiod uses for cluster "${cluster}" rotates (${JSON.stringify(from)} to ${JSON.stringify(to)}): a new token is ` +
        `made and proven against the cluster, the remote secret switches to it, istiod syncs with it, and only then is the old ` +
        `token revoked. Nothing restarts.`
    );
}

/**
 * What sidecars without a network of their own (an injector that gives Pods none) receive, read in Istio (1.31,
 * pilot/pkg/xds/endpoints/ep_filters.go, forceGateway): every endpoint of a network that has gateways comes through
 * those gateways, their own group's included; a group outside the interconnect has only the discard address, which
 * IPv4 sidecars drop.
 */
export const unnetworkedSidecars =
    "their sidecars have no network (ISTIO_META_NETWORK is empty), and istiod sends such a sidecar every endpoint of a " +
    "network with gateways through those gateways, its own group's included: through the discard address 100:: (so not at all) " +
    "while the group is outside the interconnect, through its own east-west gateway once it joins";

/** The preview's word on a cluster that takes a group's network while its injector gives Pods none. */
export function unnetworkedWarning(cluster: string, network: string): string {
    return (
        `cluster "${cluster}" takes network "${network}", but its sidecar injector gives Pods no network: ${unnetworkedSidecars}. ` +
        `Install Istio on "${cluster}" with values.global.network=${network} (or the injection path /inject/cluster/<id>/net/${network}) ` +
        `and restart its workloads.`
    );
}

/**
 * In a group stack, a cluster a hub stack reads (`hub`, as part of `network`) that this update takes out of that
 * network (`next`: the network the program now gives it, none when no group has it): the update will be refused.
 */
export function hubOrderWarning(cluster: string, hub: string, network: string, next: string | undefined): string {
    const change = next === undefined ? `takes it out of network "${network}"` : `moves it from network "${network}" to "${next}"`;
    return (
        `cluster "${cluster}": the hub stack "${hub}" reads it, and this update ${change}; the update will be refused, ` +
        `since the hub would lose the cluster; remove the group's NetworkGroupReference from the hub stack and run pulumi up there first`
    );
}
