// meshNetworks (key of the control plane's mesh ConfigMap) is how istiod learns which networks reach which.
//
// Why meshNetworks, and only meshNetworks, registers gateways (read in Istio's pilot/pkg/model/network.go and
// pilot/pkg/serviceregistry/kube/controller/network.go): istiod also registers every Service labelled
// topology.istio.io/network that exposes 15443, so a gateway both labelled and listed appears twice with skewed
// weights, and a labelled gateway is reachable whether or not its group joined. So the gateway Service carries no
// network label, and the Interconnect decides: a joined group is listed with its gateways' addresses. Those
// gateways have no cluster in istiod's view, so a group's endpoints spread evenly over all its gateways.
//
// A group outside the interconnect is listed too, behind the discard-only address 100:: (RFC 6666). In sidecar
// mode istiod sends the endpoints of a network that has no gateway as plain Pod IPs (pilot/pkg/xds/endpoints/
// ep_filters.go), which with overlapping Pod CIDRs reaches the wrong Pods. With that address, IPv4 sidecars drop
// those endpoints (no gateway of their family) and dual-stack ones send into a discard route: nothing is routable.
//
// Endpoint networks come from the namespace label each NetworkGroup writes, so entries carry no `endpoints`
// (a `fromRegistry` naming a cluster without a remote secret is what `istioctl analyze` reports as IST0126).
import * as YAML from "yaml";
import type { RestartPolicy } from "./changes";
import { crossNetworkPort } from "./names";

/** Where a group outside the interconnect is "reachable": the IPv6 discard-only prefix (RFC 6666). */
export const isolationAddress = "100::";

export interface NetworkEntry {
    gateways: { address: string; port: number }[];
}

export interface MeshNetworks {
    networks: Record<string, NetworkEntry>;
}

/** A group in the interconnect: its network and the gateway addresses other groups reach it by. */
export interface InterconnectMember {
    networkName: string;
    addresses: string[];
}

/**
 * What one owner (stack and mesh) has put in meshNetworks, kept on the mesh ConfigMap so that every writer of
 * that owner (its groups, its interconnect) and a later preview see the same record.
 */
export interface Ledger {
    owner: string;
    /** Networks of the owner's NetworkGroups: each has an entry while the group exists. */
    groups: string[];
    /** Members of the owner's interconnect: network -> gateway addresses. */
    joined: Record<string, string[]>;
    /** The interconnect's restart policy, for a preview of its removal. */
    controlPlaneRestart: RestartPolicy;
    /** meshNetworks text before the owner's first write (null: the key did not exist); restored when it leaves. */
    original: string | null;
}

export function emptyLedger(owner: string, original: string | null): Ledger {
    return { owner, groups: [], joined: {}, controlPlaneRestart: "onMembershipChange", original };
}

export function parseMeshNetworks(text: string | undefined): MeshNetworks {
    if (!text || !text.trim()) return { networks: {} };
    const parsed = YAML.parse(text);
    return { ...parsed, networks: { ...(parsed?.networks ?? {}) } };
}

/** The networks a ledger owns: its groups' and its interconnect's. */
export function ledgerNetworks(l: Ledger): string[] {
    return [...new Set([...l.groups, ...Object.keys(l.joined)])].sort();
}

/** One entry per network the owner has: joined ones with their gateways, the others behind the discard address. */
export function ledgerEntries(l: Ledger): Record<string, NetworkEntry> {
    const entries: Record<string, NetworkEntry> = {};
    for (const network of ledgerNetworks(l)) {
        const addresses = l.joined[network] ? [...l.joined[network]].sort() : [isolationAddress];
        entries[network] = { gateways: addresses.map((address) => ({ address, port: crossNetworkPort })) };
    }
    return entries;
}

/**
 * The new meshNetworks text: `current` minus the networks we owned (`ownedBefore`), plus `ours`.
 * `original` is the text before our first write (null: the key did not exist). When what remains equals it,
 * the original comes back byte for byte; undefined means "remove the key".
 */
export function mergeMeshNetworks(
    current: string | undefined,
    ownedBefore: string[],
    ours: Record<string, NetworkEntry>,
    original: string | null,
): string | undefined {
    const parsed = parseMeshNetworks(current);
    for (const n of ownedBefore) delete parsed.networks[n];
    Object.assign(parsed.networks, ours);
    if (YAML.stringify(parsed) === YAML.stringify(parseMeshNetworks(original ?? undefined))) return original ?? undefined;
    return YAML.stringify(parsed);
}

/** Our networks as they stand in a meshNetworks text (for refresh and drift). */
export function extractEntries(text: string | undefined, networks: string[]): Record<string, NetworkEntry> {
    const parsed = parseMeshNetworks(text);
    const out: Record<string, NetworkEntry> = {};
    for (const n of networks) if (parsed.networks[n]) out[n] = parsed.networks[n];
    return out;
}
