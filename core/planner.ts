// The whole-mesh planner: desired topology in, per-cluster objects, meshNetworks and the change classification
// out. It runs the very rules and renderers the components and providers run, one resource at a time, so its
// answers (used by tooling, unit tests and the benchmark) are the ones users meet.
import { classifyInterconnect, InterconnectChange, movesInto } from "./changes";
import { emptyLedger, gatewayEndpointText, InterconnectMember, ledgerEntries, NetworkEntry } from "./meshNetworks";
import { crossNetworkPort, defaultRestartPolicy, RestartPolicy } from "./names";
import {
    eastWestGatewayObjects,
    EastWestGatewaySpec,
    gatewayRule,
    KubeObject,
    networkLabelPatch,
    ownership,
    readerAccessObjects,
} from "./render";
import {
    eastWestGatewaySchema,
    interconnectSchema,
    multiNetworkingSchema,
    networkGroupSchema,
    parseArgs,
    ParsedGateway,
    ValidationError,
} from "./validate";
import { gatewayProblems, GatewayView, groupProblems, GroupView, memberProblems } from "./rules";

export interface MeshTopology {
    meshId: string;
    /** `<project>/<stack>`, as the components stamp it (with the mesh id, see ownership). */
    owner: string;
    controlPlane: { cluster: string; namespace: string };
    /** `clusterId`: Istio's cluster ID, the name unless given. */
    clusters: { name: string; clusterId?: string; podCidrs: string[] }[];
    groups: GroupView[];
    /** What each gateway's objects are rendered from (its parsed arguments, `address` as `requestedAddress`). */
    gateways: (Omit<EastWestGatewaySpec, "namespace" | "clusterId"> & Pick<ParsedGateway, "cluster" | "port"> & { name: string })[];
    /** Members name their gateways; `addresses` defaults to the gateways' (known only when user-set). */
    interconnect?: { members: { networkName: string; gateways: string[]; addresses?: string[] }[]; controlPlaneRestart: RestartPolicy };
}

export interface MeshPlan {
    problems: string[];
    /** cluster name -> objects to apply there */
    objects: Map<string, KubeObject[]>;
    meshNetworks: Record<string, NetworkEntry>;
    interconnect: InterconnectChange & {
        /** @deprecated the former name of `joining` (networks joining in this update) */
        joined: string[];
        /** @deprecated the former name of `leaving` */
        left: string[];
    };
    /** cluster -> the network it leaves, for clusters whose pods must restart their sidecars */
    moves: Map<string, string>;
}

function clusterIdOf(t: MeshTopology, cluster: string): string {
    return t.clusters.find((c) => c.name === cluster)?.clusterId ?? cluster;
}

function membersOf(t: MeshTopology): InterconnectMember[] {
    return (t.interconnect?.members ?? []).map((m) => ({
        networkName: m.networkName,
        addresses:
            m.addresses ??
            t.gateways
                .filter((g) => m.gateways.includes(g.name))
                .flatMap((g) => {
                    // Known only when user-set: a cloud's address, or a node port Kubernetes picks, comes later.
                    const port = g.port ?? (g.serviceType === "NodePort" ? g.nodePort : crossNetworkPort);
                    return g.requestedAddress && port ? [gatewayEndpointText({ address: g.requestedAddress, port })] : [];
                }),
    }));
}

/** The schema's problems with `value`, as `<resource>: <field>: <problem>` lines (none: it parses). */
function schemaProblems(schema: Parameters<typeof parseArgs>[0], value: unknown, resource: string): string[] {
    try {
        parseArgs(schema, value, resource);
        return [];
    } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return e.message.split("\n");
    }
}

/** The components' rules, in the order a program declares them: the mesh, its groups, gateways, interconnect. */
function problemsOf(t: MeshTopology): string[] {
    const problems = schemaProblems(
        multiNetworkingSchema,
        { meshId: t.meshId, controlPlane: t.controlPlane, clusters: t.clusters },
        `MultiNetworking "${t.meshId}"`,
    );
    const groups: GroupView[] = [];
    for (const g of t.groups) {
        const label = `NetworkGroup "${g.networkName}"`;
        problems.push(...schemaProblems(networkGroupSchema, g, label));
        problems.push(...groupProblems(g, t.clusters, groups).map((p) => `${label}: ${p}`));
        groups.push(g);
    }
    const gateways: GatewayView[] = [];
    for (const gw of t.gateways) {
        const label = `EastWestGateway "${gw.name}"`;
        // Every argument the gateway has is checked as the component checks it.
        const { name: _name, networkName: _networkName, requestedAddress, ...args } = gw;
        const cluster = gw.cluster;
        problems.push(...schemaProblems(eastWestGatewaySchema, { ...args, address: requestedAddress }, label));
        const group = t.groups.find((g) => g.networkName === gw.networkName);
        if (!group) {
            problems.push(`${label}: networkGroup: no network group "${gw.networkName}" is declared`);
            continue;
        }
        problems.push(...gatewayProblems({ cluster, networkName: gw.networkName }, group, gateways).map((p) => `${label}: ${p}`));
        gateways.push({ cluster, networkName: gw.networkName });
    }
    if (!t.interconnect) return problems;
    problems.push(...schemaProblems(interconnectSchema, { controlPlaneRestart: t.interconnect.controlPlaneRestart }, "Interconnect"));
    t.interconnect.members.forEach((m, i) =>
        m.gateways.forEach((name, j) => {
            if (!t.gateways.some((g) => g.name === name))
                problems.push(
                    `Interconnect: members[${i}] ("${m.networkName}").gateways[${j}]: no east-west gateway "${name}" is declared`,
                );
        }),
    );
    const members = t.interconnect.members.map((m) => ({
        networkName: m.networkName,
        gateways: t.gateways
            .filter((g) => m.gateways.includes(g.name))
            .map((g) => ({ name: g.name, networkName: g.networkName, requestedAddress: g.requestedAddress })),
        addresses: m.addresses,
    }));
    problems.push(...memberProblems(members).map((p) => `Interconnect: ${p}`));
    return problems;
}

export function planMesh(desired: MeshTopology, previous?: MeshTopology): MeshPlan {
    const o = ownership(desired);
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
        for (const obj of eastWestGatewayObjects(o, { namespace: ns, clusterId: clusterIdOf(desired, gw.cluster), ...gw }))
            add(gw.cluster, obj);

    const members = membersOf(desired);
    const ledger = {
        ...emptyLedger(o.owner, null),
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
        interconnect: withFormerNames(
            classifyInterconnect(
                previous ? membersOf(previous) : [],
                members,
                desired.interconnect?.controlPlaneRestart ?? defaultRestartPolicy,
            ),
        ),
        moves,
    };
}

/** The plan's interconnect change with the names its fields had before 0.3 (`joined`, `left`), for tools that read them. */
function withFormerNames(change: InterconnectChange): MeshPlan["interconnect"] {
    return { ...change, joined: change.joining, left: change.leaving };
}
