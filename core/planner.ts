// The whole-mesh planner: desired topology in, per-cluster objects, meshNetworks and the change classification
// out. It runs the very rules and renderers the components and providers run, one resource at a time, so its
// answers (used by tooling, unit tests and the benchmark) are the ones users meet.
import { classifyInterconnect, InterconnectChange, movesInto, RestartPolicy } from "./changes";
import { emptyLedger, InterconnectMember, ledgerEntries, NetworkEntry } from "./meshNetworks";
import { eastWestGatewayObjects, gatewayRule, KubeObject, networkLabelPatch, Ownership, readerAccessObjects } from "./render";
import {
    gatewayProblems,
    GatewayView,
    groupProblems,
    GroupView,
    memberProblems,
    multiNetworkingSchema,
    parseArgs,
    ValidationError,
} from "./validate";

export interface MeshTopology {
    meshId: string;
    owner: string;
    controlPlane: { cluster: string; namespace: string };
    clusters: { name: string; podCidrs: string[] }[];
    groups: GroupView[];
    gateways: {
        name: string;
        cluster: string;
        networkName: string;
        replicas: number;
        serviceAnnotations: Record<string, string>;
        requestedAddress?: string;
    }[];
    /** Members name their gateways; `addresses` defaults to the gateways' (known only when user-set). */
    interconnect?: { members: { networkName: string; gateways: string[]; addresses?: string[] }[]; controlPlaneRestart: RestartPolicy };
}

export interface MeshPlan {
    problems: string[];
    /** cluster name -> objects to apply there */
    objects: Map<string, KubeObject[]>;
    meshNetworks: Record<string, NetworkEntry>;
    interconnect: InterconnectChange;
    /** cluster -> the network it leaves, for clusters whose pods must restart their sidecars */
    moves: Map<string, string>;
}

function membersOf(t: MeshTopology): InterconnectMember[] {
    return (t.interconnect?.members ?? []).map((m) => ({
        networkName: m.networkName,
        addresses:
            m.addresses ??
            t.gateways.filter((g) => m.gateways.includes(g.name)).flatMap((g) => (g.requestedAddress ? [g.requestedAddress] : [])),
    }));
}

function problemsOf(t: MeshTopology): string[] {
    const problems: string[] = [];
    try {
        parseArgs(
            multiNetworkingSchema,
            { meshId: t.meshId, controlPlane: { cluster: t.controlPlane.cluster }, clusters: t.clusters },
            "MultiNetworking",
        );
    } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        problems.push(...e.message.split("\n"));
    }
    const groups: GroupView[] = [];
    for (const g of t.groups) {
        problems.push(...groupProblems(g, t.clusters, groups).map((p) => `NetworkGroup "${g.networkName}": ${p}`));
        groups.push(g);
    }
    const gateways: GatewayView[] = [];
    for (const gw of t.gateways) {
        const group = t.groups.find((g) => g.networkName === gw.networkName) ?? { networkName: gw.networkName, clusters: [] };
        problems.push(
            ...gatewayProblems({ cluster: gw.cluster, networkName: gw.networkName }, group, gateways).map(
                (p) => `EastWestGateway "${gw.name}": ${p}`,
            ),
        );
        gateways.push({ cluster: gw.cluster, networkName: gw.networkName });
    }
    const members = (t.interconnect?.members ?? []).map((m) => ({
        networkName: m.networkName,
        gateways: t.gateways
            .filter((g) => m.gateways.includes(g.name))
            .map((g) => ({ name: g.name, networkName: g.networkName, address: g.requestedAddress })),
        addresses: m.addresses,
    }));
    problems.push(...memberProblems(members).map((p) => `Interconnect: ${p}`));
    return problems;
}

export function planMesh(desired: MeshTopology, previous?: MeshTopology): MeshPlan {
    const o: Ownership = { meshId: desired.meshId, owner: desired.owner };
    const objects = new Map<string, KubeObject[]>();
    const add = (cluster: string, obj: KubeObject) => {
        const list = objects.get(cluster);
        if (list) list.push(obj);
        else objects.set(cluster, [obj]);
    };
    const ns = desired.controlPlane.namespace;
    add(desired.controlPlane.cluster, gatewayRule(o, ns));
    for (const c of desired.clusters)
        if (c.name !== desired.controlPlane.cluster) for (const obj of readerAccessObjects(o, ns)) add(c.name, obj);
    for (const g of desired.groups) for (const c of g.clusters) add(c, networkLabelPatch(o, ns, g.networkName));
    for (const gw of desired.gateways)
        for (const obj of eastWestGatewayObjects(o, { namespace: ns, clusterId: gw.cluster, ...gw })) add(gw.cluster, obj);

    const members = membersOf(desired);
    const ledger = {
        ...emptyLedger(desired.owner, null),
        groups: desired.groups.map((g) => g.networkName),
        joined: Object.fromEntries(members.map((m) => [m.networkName, m.addresses])),
    };
    const before: Record<string, string> = {};
    for (const g of previous?.groups ?? []) for (const c of g.clusters) before[c] = g.networkName;
    const moves = new Map<string, string>();
    for (const g of desired.groups) for (const [c, from] of movesInto(g.networkName, g.clusters, before)) moves.set(c, from);
    return {
        problems: problemsOf(desired),
        objects,
        meshNetworks: ledgerEntries(ledger),
        interconnect: classifyInterconnect(
            previous ? membersOf(previous) : [],
            members,
            desired.interconnect?.controlPlaneRestart ?? "onMembershipChange",
        ),
        moves,
    };
}
