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
import { crossNetworkPort, defaultRestartPolicy, RestartPolicy } from "./names";

/** Where a group outside the interconnect is "reachable": the IPv6 discard-only prefix (RFC 6666). */
export const isolationAddress = "100::";

export interface NetworkEntry {
    gateways: { address: string; port: number }[];
}

interface MeshNetworks {
    networks: Record<string, NetworkEntry>;
}

/** A group in the interconnect: its network and the gateway addresses other groups reach it by. */
export interface InterconnectMember {
    networkName: string;
    /** Gateway endpoints as `gatewayEndpointText` writes them: `address`, or `address:port` off port 15443. */
    addresses: string[];
}

/** Where other networks reach a gateway: an IP or hostname, and the port of its 15443 server (a node port, a NAT port). */
export interface GatewayEndpoint {
    address: string;
    port: number;
}

/**
 * The text form of an endpoint in members and ledgers: the bare address on port 15443 (as every release before
 * NodePort gateways wrote it), else `address:port`, an IPv6 address in brackets.
 */
export function gatewayEndpointText(e: GatewayEndpoint): string {
    if (e.port === crossNetworkPort) return e.address;
    return `${e.address.includes(":") ? `[${e.address}]` : e.address}:${e.port}`;
}

/** The endpoint a text of `gatewayEndpointText` stands for. */
export function parseGatewayEndpoint(text: string): GatewayEndpoint {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
    return m ? { address: m[1], port: Number(m[2]) } : { address: text, port: crossNetworkPort };
}

/**
 * What one owner (stack and mesh) has put in meshNetworks, kept on the mesh ConfigMap so that every writer of
 * that owner (its groups, its interconnect) and a later preview see the same record.
 */
export interface Ledger {
    owner: string;
    /** Networks of the owner's NetworkGroups: each has an entry while the group exists. */
    groups: string[];
    /** Members of the owner's interconnect: network -> gateway endpoints (`gatewayEndpointText`). */
    joined: Record<string, string[]>;
    /** The interconnect's restart policy, for a preview of its removal. */
    controlPlaneRestart: RestartPolicy;
    /** meshNetworks text before the owner's first write (null: the key did not exist); restored when it leaves. */
    original: string | null;
    /** A control-plane restart the interconnect recorded before doing it: its `restartedAt` stamp. */
    restart?: string;
    /** The mesh as the owner's MultiNetworking declares it, for `pulumi-multinet check` (absent before 0.3). */
    mesh?: DeclaredMesh;
    /** The member clusters of each of the owner's groups, by name (absent before 0.3). */
    groupClusters?: Record<string, string[]>;
    /**
     * For groups another stack manages (a hub's NetworkGroupReference): network -> member cluster name -> Istio
     * cluster ID, which the owner's MultiNetworking does not declare.
     */
    referencedClusters?: Record<string, Record<string, string>>;
}

/** What a MultiNetworking declares of its mesh, recorded in its ledger so that a check can read it back. */
export interface DeclaredMesh {
    /** The control-plane cluster's name. */
    controlPlane: string;
    /** istiod's Deployment. */
    deployment: string;
    /** Every declared cluster: name -> Istio cluster ID. */
    clusters: Record<string, string>;
    remoteSecrets: "managed" | "external";
}

/** Whether a ledger still records anything, so that its annotation stays. */
export function ledgerInUse(l: Ledger): boolean {
    return ledgerNetworks(l).length > 0 || l.restart !== undefined || l.mesh !== undefined;
}

export function emptyLedger(owner: string, original: string | null): Ledger {
    return { owner, groups: [], joined: {}, controlPlaneRestart: defaultRestartPolicy, original };
}

/** A meshNetworks text that is not YAML, or whose networks are not a mapping (istiod cannot read it either). */
export class MeshNetworksSyntaxError extends Error {
    constructor(problem: string) {
        super(`the meshNetworks text ${problem}; fix or remove it`);
        this.name = "MeshNetworksSyntaxError";
    }
}

function kindOf(node: unknown): string {
    if (YAML.isSeq(node)) return "a list";
    if (YAML.isScalar(node))
        return typeof node.value === "string" ? `the string ${JSON.stringify(node.value)}` : `the value ${String(node.value)}`;
    return "another kind of value";
}

/** The text as a YAML document whose root and `networks` are mappings (or absent); else a MeshNetworksSyntaxError. */
function parseDocument(text: string | undefined): YAML.Document {
    const doc = YAML.parseDocument(text ?? "");
    const error = doc.errors[0];
    if (error?.code === "MULTIPLE_DOCS") throw new MeshNetworksSyntaxError("holds more than one YAML document");
    // yaml's message ends in ":" and an excerpt of the text; its first line names the problem and where.
    if (error) throw new MeshNetworksSyntaxError(`is not valid YAML: ${error.message.split("\n")[0].replace(/:$/, "")}`);
    const root = doc.contents;
    if (isNull(root)) return doc;
    if (!YAML.isMap(root)) throw new MeshNetworksSyntaxError(`is ${kindOf(root)}, not a mapping with a "networks" key`);
    const networks = root.get("networks", true);
    if (!isNull(networks) && !YAML.isMap(networks)) {
        throw new MeshNetworksSyntaxError(`has "networks" as ${kindOf(networks)}, not a mapping of network names to their entries`);
    }
    return doc;
}

function isNull(node: unknown): boolean {
    return node === null || node === undefined || (YAML.isScalar(node) && node.value === null);
}

export function parseMeshNetworks(text: string | undefined): MeshNetworks {
    if (!text || !text.trim()) return { networks: {} };
    const parsed = parseDocument(text).toJS();
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
        entries[network] = { gateways: addresses.map(parseGatewayEndpoint) };
    }
    return entries;
}

/**
 * The new meshNetworks text: `current` minus the networks we owned (`ownedBefore`), plus `ours`.
 * `original` is the text before our first write (null: the key did not exist). When what remains equals it,
 * the original comes back byte for byte; undefined means "remove the key".
 *
 * The text is edited as a YAML document, not rebuilt: others' entries and every comment (ours have none) stay,
 * and it is rendered in the style it was written in, so that what others wrote reads as they wrote it.
 */
export function mergeMeshNetworks(
    current: string | undefined,
    ownedBefore: string[],
    ours: Record<string, NetworkEntry>,
    original: string | null,
): string | undefined {
    const doc = parseDocument(current);
    if (!YAML.isMap(doc.contents)) doc.contents = doc.createNode({});
    const root = doc.contents as YAML.YAMLMap;
    const found: unknown = root.get("networks", true);
    const map = YAML.isMap(found) ? found : new YAML.YAMLMap();
    if (map !== found) root.set("networks", map);
    // An empty mapping (Istio's default is "networks: {}") has no layout of others to keep: ours go in block style.
    if (map.items.length === 0) {
        map.flow = false;
        if (root.items.length === 1) root.flow = false;
    }
    for (const n of ownedBefore) if (!(n in ours)) deleteEntry(map, n);
    for (const [n, entry] of Object.entries(ours)) {
        const node = doc.createNode(entry);
        const pair = pairOf(map, n);
        if (!pair) map.add(doc.createPair(n, node));
        else {
            node.comment = (pair.value as YAML.Node | null)?.comment; // a comment after our entry may be about the next one
            pair.value = node;
        }
    }
    const text = doc.toString(styleOf(current ?? ""));
    if (YAML.stringify(parseMeshNetworks(text)) === YAML.stringify(parseMeshNetworks(original ?? undefined))) return original ?? undefined;
    return text;
}

/** The entry of network `name`; by its key's text, as istiod reads it (a name like "123" is a number to YAML). */
function pairOf(map: YAML.YAMLMap, name: string): YAML.Pair | undefined {
    return map.items.find((p) => String(YAML.isScalar(p.key) ? p.key.value : p.key) === name);
}

/** Deletes the entry `name`, moving the comments above and after it to the next entry: they are someone else's. */
function deleteEntry(map: YAML.YAMLMap, name: string): void {
    const pair = pairOf(map, name);
    if (!pair) return;
    const i = map.items.indexOf(pair);
    map.items.splice(i, 1);
    const comments = [(pair.key as YAML.Node | null)?.commentBefore, (pair.value as YAML.Node | null)?.comment].filter((c) => c);
    if (!comments.length) return;
    const next = map.items[i]?.key as YAML.Node | undefined;
    if (YAML.isNode(next)) next.commentBefore = [...comments, next.commentBefore].filter((c) => c).join("\n");
    else map.comment = [map.comment, ...comments].filter((c) => c).join("\n");
}

/** How `text` is laid out, for rendering it again: indentation, sequences under their key or indented, flow padding. */
function styleOf(text: string): YAML.ToStringOptions {
    const indents = [...text.matchAll(/^( +)\S/gm)].map((m) => m[1].length);
    return {
        indent: indents.length ? Math.min(...indents) : 2,
        // "key:" then "- item" at the same column, as Go's YAML (kubectl, Helm's toYaml) writes lists
        indentSeq: !/^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text),
        flowCollectionPadding: !/[[{][^\s\]}]/.test(text) || /[[{] /.test(text),
        lineWidth: 0,
    };
}

/** Our networks as they stand in a meshNetworks text (for refresh and drift). */
export function extractEntries(text: string | undefined, networks: string[]): Record<string, NetworkEntry> {
    const parsed = parseMeshNetworks(text);
    const out: Record<string, NetworkEntry> = {};
    for (const n of networks) if (parsed.networks[n]) out[n] = parsed.networks[n];
    return out;
}
