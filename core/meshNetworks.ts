// meshNetworks (key of the control plane's mesh ConfigMap): merge our networks in, take them out again,
// leave every entry we do not own as it was, and restore the original text when we leave nothing behind.
import * as YAML from "yaml";
import { crossNetworkPort } from "./names";

export interface NetworkEntry {
    endpoints: { fromRegistry: string }[];
    gateways: { address: string; port: number }[];
}

export interface MeshNetworks {
    networks: Record<string, NetworkEntry>;
}

export interface InterconnectMember {
    network: string;
    clusters: string[];
    addresses: string[];
}

export function parseMeshNetworks(text: string | undefined): MeshNetworks {
    if (!text || !text.trim()) return { networks: {} };
    const parsed = YAML.parse(text);
    return { ...parsed, networks: { ...(parsed?.networks ?? {}) } };
}

export function renderEntries(members: InterconnectMember[]): Record<string, NetworkEntry> {
    const entries: Record<string, NetworkEntry> = {};
    for (const m of [...members].sort((a, b) => a.network.localeCompare(b.network))) {
        entries[m.network] = {
            endpoints: [...m.clusters].sort().map((c) => ({ fromRegistry: c })),
            gateways: [...m.addresses].sort().map((address) => ({ address, port: crossNetworkPort })),
        };
    }
    return entries;
}

/**
 * The new meshNetworks text: `current` minus the networks we owned (`ownedBefore`), plus `ours`.
 * `original` is the text before our first write (null: the key did not exist). When what remains equals it,
 * the original comes back byte for byte; undefined means "remove the key".
 */
export function mergeMeshNetworks(current: string | undefined, ownedBefore: string[], ours: Record<string, NetworkEntry>, original: string | null): string | undefined {
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
