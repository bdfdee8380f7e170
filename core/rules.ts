// The cross-resource rules of the product, pure: a cluster in one group, no Pod CIDR overlap inside a group, a
// gateway on a member cluster, each interconnect member through its own gateways. Every message names the field
// and the fix; callers prefix the resource.
import { cidrsOverlap } from "./validate";

export interface GroupView {
    networkName: string;
    clusters: string[];
}

/**
 * Rules for one group against the mesh's declared clusters and the groups declared before it:
 * declared clusters, one group per cluster, unique network names, no Pod CIDR overlap inside the group.
 */
export function groupProblems(group: GroupView, declared: { name: string; podCidrs: string[] }[], others: GroupView[]): string[] {
    const problems: string[] = [];
    const byName = new Map(declared.map((c) => [c.name, c]));
    group.clusters.forEach((c, i) => {
        if (!byName.has(c))
            problems.push(
                `clusters[${i}]: "${c}" is not declared in the MultiNetworking's clusters (${[...byName.keys()].join(", ")}); add it there first`,
            );
        const other = others.find((g) => g.clusters.includes(c));
        if (other)
            problems.push(
                `clusters[${i}]: "${c}" already belongs to network group "${other.networkName}"; ` +
                    `a cluster is in one group only — remove it from "${other.networkName}" to move it`,
            );
    });
    const same = others.find((g) => g.networkName === group.networkName);
    if (same)
        problems.push(`networkName: "${group.networkName}" is already used by another NetworkGroup of this mesh; choose another name`);
    const members = group.clusters.map((c) => byName.get(c)).filter((c) => c !== undefined);
    for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) {
            for (const a of members[i].podCidrs) {
                for (const b of members[j].podCidrs) {
                    if (cidrsOverlap(a, b)) {
                        problems.push(
                            `clusters: Pod CIDRs overlap: "${members[i].name}" has ${a} and "${members[j].name}" has ${b}. ` +
                                `Pods of one group must reach each other directly; put these clusters in different network groups`,
                        );
                    }
                }
            }
        }
    }
    return problems;
}

export interface GatewayView {
    cluster: string;
    networkName: string;
}

export function gatewayProblems(gateway: GatewayView, group: GroupView, others: GatewayView[]): string[] {
    const problems: string[] = [];
    if (!group.clusters.includes(gateway.cluster)) {
        problems.push(
            `cluster: "${gateway.cluster}" is not a member of network group "${group.networkName}" (${group.clusters.join(", ")}); ` +
                `put the gateway on a member cluster or add the cluster to the group`,
        );
    }
    if (others.some((g) => g.cluster === gateway.cluster)) {
        problems.push(
            `cluster: "${gateway.cluster}" already has an east-west gateway; at most one gateway per cluster — raise its replicas instead`,
        );
    }
    return problems;
}

export interface MemberView {
    networkName: string;
    /** `requestedAddress`: the address the gateway's arguments request, if any. */
    gateways: { name: string; networkName: string; requestedAddress?: string }[];
    addresses?: string[];
    /** Its gateways are those a group stack exported (a NetworkGroupReference), not listed here. */
    exported?: boolean;
}

/**
 * A member whose group another stack manages (a NetworkGroupReference), before its export is known; once it is, the
 * member is checked with the others as exportedMember gives it.
 */
export interface ReferenceView {
    reference: true;
}

export function memberProblems(members: (MemberView | ReferenceView)[]): string[] {
    const problems: string[] = [];
    members.forEach((m, i) => {
        if ("reference" in m) return;
        const at = `members[${i}] ("${m.networkName}")`;
        if (members.findIndex((o) => "networkName" in o && o.networkName === m.networkName) !== i)
            problems.push(`${at}: network group "${m.networkName}" is listed twice; list each group once`);
        if (m.gateways.length === 0)
            problems.push(
                `${at}.gateways: a network group joins the interconnect only through at least one EastWestGateway; ` +
                    (m.exported
                        ? `its group stack exported none: create one there and pass it to NetworkGroup.export`
                        : `create one on a member cluster and list it`),
            );
        m.gateways.forEach((g, j) => {
            if (g.networkName !== m.networkName)
                problems.push(
                    `${at}.gateways[${j}]: gateway "${g.name}" belongs to network group "${g.networkName}", ` +
                        `not "${m.networkName}"; list it under its own group`,
                );
        });
        const known = m.gateways.map((g) => g.requestedAddress);
        // Addresses assigned by the cloud are unknown until the gateways exist: the SDK checks them then, with
        // addressProblems too.
        if (known.every((a) => a !== undefined)) problems.push(...addressProblems(at, m.addresses ?? [], known as string[]));
    });
    return problems;
}

/** A referenced group's member view: its gateways are the endpoints its group stack exported, named by address. */
export function exportedMember(e: NetworkGroupExport, addresses?: string[]): MemberView {
    return {
        networkName: e.networkName,
        gateways: e.gateways.map((g) => ({ name: g.address, networkName: e.networkName, requestedAddress: g.address })),
        addresses,
        exported: true,
    };
}

/** A member's published addresses (`at`: "members[i] (name)") must be addresses of its gateways. */
export function addressProblems(at: string, addresses: string[], gatewayAddresses: string[]): string[] {
    return addresses.flatMap((a, j) =>
        gatewayAddresses.includes(a)
            ? []
            : [
                  `${at}.addresses[${j}]: "${a}" is not the address of any of its gateways (${gatewayAddresses.join(", ")}); ` +
                      `pick one of them or leave addresses out`,
              ],
    );
}

/**
 * A network group as its group stack exports it (NetworkGroup.export) for the hub stack's NetworkGroupReference.
 * Secret as a whole: `clusters[].reader` is a credential.
 */
export interface NetworkGroupExport {
    /** The mesh's id; the hub's MultiNetworking must have the same. */
    meshId: string;
    /** The group's Istio network name. */
    networkName: string;
    /** Istio's system namespace on the group's clusters. */
    namespace: string;
    /** The group stack, `<project>/<stack>`. */
    owner: string;
    /** The member clusters. */
    clusters: NetworkGroupExportCluster[];
    /** Where other networks reach the group's east-west gateways. */
    gateways: NetworkGroupExportGateway[];
}

/** A member cluster of an exported group. */
export interface NetworkGroupExportCluster {
    /** Its name in the group stack. */
    name: string;
    /** Istio cluster ID: the remote secret's name and key on the control plane. */
    clusterId: string;
    /** Its Pod CIDRs. */
    podCidrs: string[];
    /** The API server address istiod reaches the cluster at, when it is not the reader's. */
    remoteSecretServer?: string;
    /** The kubeconfig istiod reads the cluster with (the group's reader; absent with remoteSecrets "external"). */
    reader?: string;
}

/** Where other networks reach one of an exported group's east-west gateways. */
export interface NetworkGroupExportGateway {
    /** An IP address or hostname. */
    address: string;
    /** The port of its 15443 server as other networks reach it. */
    port: number;
}

/** The hub's side of a reference: its mesh, declared clusters, remote-secret mode and groups so far. */
export interface HubView {
    meshId: string;
    namespace: string;
    clusters: { name: string; clusterId: string }[];
    remoteSecrets: "managed" | "external";
    groups: GroupView[];
}

/** Why a group stack's export cannot be part of the hub's mesh (field paths under `group`). */
export function referenceProblems(e: NetworkGroupExport | undefined, hub: HubView): string[] {
    if (!e || typeof e.networkName !== "string" || !Array.isArray(e.clusters) || !Array.isArray(e.gateways))
        return ["group: is not a group's export; pass the output of NetworkGroup.export from the group stack"];
    const problems: string[] = [];
    if (e.meshId !== hub.meshId)
        problems.push(`group.meshId: "${e.meshId}" is not this mesh's ("${hub.meshId}"); reference a group of this mesh`);
    if (e.namespace !== hub.namespace)
        problems.push(
            `group.namespace: the group's Istio namespace "${e.namespace}" is not this mesh's ("${hub.namespace}"); ` +
                `give both stacks the same controlPlane.namespace`,
        );
    for (const [i, c] of e.clusters.entries()) {
        if (hub.clusters.some((d) => d.name === c.name || d.clusterId === c.clusterId))
            problems.push(
                `group.clusters[${i}]: "${c.name}" (cluster ID "${c.clusterId}") is also declared in this stack's MultiNetworking; ` +
                    `a cluster belongs to one stack: declare it in one of them`,
            );
        if (hub.remoteSecrets === "managed" && !c.reader)
            problems.push(
                `group.clusters[${i}].reader: the group stack exported no reader for "${c.name}" (its remoteSecrets is "external"); ` +
                    `set remoteSecrets: "managed" there, or "external" here and make its remote secret yourself`,
            );
    }
    if (hub.groups.some((g) => g.networkName === e.networkName))
        problems.push(`group.networkName: "${e.networkName}" is already a group of this mesh in this stack; each network once`);
    return problems;
}
