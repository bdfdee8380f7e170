// Change classification: what an update of the interconnect or of a group disrupts. The preview's warnings
// and the provider's restart decision both come from here, so they cannot disagree.
import { InterconnectMember } from "./meshNetworks";

export type RestartPolicy = "onMembershipChange" | "never";

export interface InterconnectChange {
    joined: string[];
    left: string[];
    /** Networks in both, with different clusters or addresses (hot-reloaded by istiod). */
    changed: string[];
    restartsControlPlane: boolean;
}

function key(m: InterconnectMember): string {
    return JSON.stringify([[...m.clusters].sort(), [...m.addresses].sort()]);
}

export function classifyInterconnect(before: InterconnectMember[], after: InterconnectMember[], policy: RestartPolicy): InterconnectChange {
    const old = new Map(before.map((m) => [m.network, m]));
    const now = new Map(after.map((m) => [m.network, m]));
    const joined = [...now.keys()].filter((n) => !old.has(n)).sort();
    const left = [...old.keys()].filter((n) => !now.has(n)).sort();
    const changed = [...now.keys()].filter((n) => old.has(n) && key(old.get(n)!) !== key(now.get(n)!)).sort();
    return { joined, left, changed, restartsControlPlane: policy === "onMembershipChange" && joined.length + left.length > 0 };
}

/** The same classification from network names alone (what a preview always knows): joins and leaves only. */
export function classifyMembership(before: string[], after: string[], policy: RestartPolicy): InterconnectChange {
    const named = (networks: string[]) => networks.map((network) => ({ network, clusters: [], addresses: [] }));
    return classifyInterconnect(named(before), named(after), policy);
}

export function restartWarning(change: InterconnectChange, deployment: string, namespace: string, cluster: string): string | undefined {
    if (!change.restartsControlPlane) return undefined;
    const parts = [
        change.joined.length ? `network(s) ${change.joined.map((n) => `"${n}"`).join(", ")} join` : "",
        change.left.length ? `network(s) ${change.left.map((n) => `"${n}"`).join(", ")} leave` : "",
    ].filter(Boolean);
    return `this update restarts the mesh control plane: ${parts.join(" and ")} the interconnect, so Deployment ${namespace}/${deployment} on cluster "${cluster}" rolls once. Set controlPlaneRestart: "never" to rely on istiod's hot reload instead.`;
}

/** Clusters that leave `before` and land in another group of `groupsNow` (cluster -> new network). */
export function movedClusters(groupName: string, before: string[], after: string[], groupsNow: { networkName: string; clusters: string[] }[]): Map<string, string> {
    const moved = new Map<string, string>();
    for (const c of before.filter((c) => !after.includes(c))) {
        const target = groupsNow.find((g) => g.networkName !== groupName && g.clusters.includes(c));
        if (target) moved.set(c, target.networkName);
    }
    return moved;
}

export function moveWarning(cluster: string, from: string, to: string): string {
    return `cluster "${cluster}" moves from network "${from}" to "${to}": istiod sees the new network at once, but running pods keep "${from}" (Istio fixes a pod's network at injection). Restart the workloads on "${cluster}" (e.g. kubectl rollout restart deployment -n <namespace>) so their sidecars take the new network.`;
}
