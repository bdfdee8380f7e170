// The whole-mesh planner: desired topology in, per-cluster objects and the change classification out. The
// resources apply slices of the same functions; this entry point serves tooling and the benchmark.
import { classifyInterconnect, InterconnectChange, movedClusters, RestartPolicy } from "./changes";
import { InterconnectMember, renderEntries } from "./meshNetworks";
import { eastWestGatewayObjects, gatewayRule, KubeObject, networkLabelPatch, Ownership } from "./render";
import { cidrsOverlap, gatewayProblems } from "./validate";

export interface MeshTopology {
    meshId: string;
    owner: string;
    controlPlane: { cluster: string; namespace: string };
    clusters: { name: string; podCidrs: string[] }[];
    groups: { networkName: string; clusters: string[] }[];
    gateways: { name: string; cluster: string; network: string; replicas: number; serviceAnnotations: Record<string, string>; address?: string }[];
    interconnect?: { members: InterconnectMember[]; controlPlaneRestart: RestartPolicy };
}

export interface MeshPlan {
    problems: string[];
    /** cluster name -> objects to apply there */
    objects: Map<string, KubeObject[]>;
    meshNetworks: ReturnType<typeof renderEntries>;
    interconnect: InterconnectChange;
    /** cluster -> new network, for clusters whose pods must restart their sidecars */
    moves: Map<string, string>;
}

export function planMesh(desired: MeshTopology, previous?: MeshTopology): MeshPlan {
    const problems: string[] = [];
    const declared = new Map(desired.clusters.map((c) => [c.name, c]));
    const groupOf = new Map<string, string>();
    for (const g of desired.groups) {
        for (const c of g.clusters) {
            if (!declared.has(c)) problems.push(`NetworkGroup "${g.networkName}": "${c}" is not declared`);
            const other = groupOf.get(c);
            if (other) problems.push(`NetworkGroup "${g.networkName}": "${c}" already belongs to network group "${other}"`);
            groupOf.set(c, g.networkName);
        }
        const cidrs = g.clusters.flatMap((c) => (declared.get(c)?.podCidrs ?? []).map((cidr) => ({ c, cidr })));
        for (let i = 0; i < cidrs.length; i++) {
            for (let j = i + 1; j < cidrs.length; j++) {
                if (cidrs[i].c !== cidrs[j].c && cidrsOverlap(cidrs[i].cidr, cidrs[j].cidr)) {
                    problems.push(`NetworkGroup "${g.networkName}": Pod CIDRs overlap: "${cidrs[i].c}" has ${cidrs[i].cidr} and "${cidrs[j].c}" has ${cidrs[j].cidr}`);
                }
            }
        }
    }
    const groupByName = new Map(desired.groups.map((g) => [g.networkName, g]));
    const gatewayClusters = new Set<string>();
    for (const gw of desired.gateways) {
        const group = groupByName.get(gw.network) ?? { networkName: gw.network, clusters: [] };
        const others = gatewayClusters.has(gw.cluster) ? [{ cluster: gw.cluster, networkName: gw.network }] : [];
        problems.push(...gatewayProblems({ cluster: gw.cluster, networkName: gw.network }, group, others).map((p) => `EastWestGateway "${gw.name}": ${p}`));
        gatewayClusters.add(gw.cluster);
    }

    const o: Ownership = { meshId: desired.meshId, owner: desired.owner };
    const objects = new Map<string, KubeObject[]>();
    const add = (cluster: string, obj: KubeObject) => {
        const list = objects.get(cluster);
        if (list) list.push(obj);
        else objects.set(cluster, [obj]);
    };
    const ns = desired.controlPlane.namespace;
    add(desired.controlPlane.cluster, gatewayRule(o, ns));
    for (const [cluster, network] of groupOf) add(cluster, networkLabelPatch(o, ns, network));
    for (const gw of desired.gateways) for (const obj of eastWestGatewayObjects(o, { namespace: ns, ...gw })) add(gw.cluster, obj);

    const members = desired.interconnect?.members ?? [];
    const policy = desired.interconnect?.controlPlaneRestart ?? "onMembershipChange";
    const moves = new Map<string, string>();
    for (const g of previous?.groups ?? []) {
        const now = groupByName.get(g.networkName)?.clusters ?? [];
        for (const [c, to] of movedClusters(g.networkName, g.clusters, now, desired.groups)) moves.set(c, to);
    }
    return {
        problems,
        objects,
        meshNetworks: renderEntries(members),
        interconnect: classifyInterconnect(previous?.interconnect?.members ?? [], members, policy),
        moves,
    };
}
