// The whole topology of one mesh as plain data, for declarative repos (Pulumi YAML) and the SDKs generated from
// the component schema: the same components underneath (MultiNetworking, NetworkGroup, EastWestGateway,
// Interconnect), so the same rules, errors, preview warnings and objects. Resources reference each other by name
// here, since a component schema can only carry plain values.
import * as pulumi from "@pulumi/pulumi";
import { EastWestGateway } from "./eastWestGateway";
import type { z } from "zod";
import type { multiNetworkingSchema } from "../core/validate";
import { Interconnect, InterconnectArgs, InterconnectMemberArgs } from "./interconnect";
import { MultiNetworking, MultiNetworkingArgs } from "./multiNetworking";
import { NetworkGroup } from "./networkGroup";
import { NetworkGroupReference } from "./networkGroupReference";
import type { NetworkGroupExport } from "../core/rules";
import {
    ControlPlaneRestart,
    GatewayServiceType,
    MeshCluster,
    MeshControlPlane,
    MeshGateway,
    MeshGroup,
    MeshInterconnect,
    MeshMember,
    MeshReference,
    RemoteSecrets,
} from "./args";
import type { Describes, Holds } from "./args";

export {
    ControlPlaneRestart,
    GatewayServiceType,
    MeshCluster,
    MeshControlPlane,
    MeshGateway,
    MeshGroup,
    MeshInterconnect,
    MeshMember,
    MeshReference,
    RemoteSecrets,
};

export interface MeshArgs {
    /** The mesh's id: a DNS-1123 label. Objects written carry it; other meshes are never touched. */
    meshId: string;
    /** Where the control plane runs and how it is named. */
    controlPlane: MeshControlPlane;
    /** Every cluster the mesh may touch: at least one; names and Istio cluster IDs unique. */
    clusters: MeshCluster[];
    /**
     * Who makes istiod's remote secrets. Default: managed.
     * @default managed
     */
    remoteSecrets?: RemoteSecrets;
    /**
     * Do not wait for istiod: by default a remote secret is done only when istiod reports its cluster synced, and the
     * interconnect only when istiod's gateway table shows it (read as `pulumi-multinet check` reads them). Set it for a
     * control plane whose istiod the program cannot reach. Default: false.
     * @default false
     */
    skipAwait?: boolean;
    /**
     * How long to wait for istiod, in whole seconds >= 1. Default: 300.
     * @default 300
     */
    awaitTimeoutSeconds?: number;
    /**
     * Any string; a new value rotates the reader tokens of the managed remote secrets without downtime (a new token,
     * proven, switched to, synced by istiod, then the old one revoked). Nothing restarts. Default: "".
     * @default ""
     */
    remoteSecretRotation?: string;
    /** The network groups. Default: none. */
    groups?: MeshGroup[];
    /** The east-west gateways. Default: none. */
    gateways?: MeshGateway[];
    /** The interconnect: which groups reach each other. Default: none (every group stays unreachable from the others). */
    interconnect?: MeshInterconnect;
    /**
     * In a hub stack of a mesh split across stacks: groups that group stacks manage (Meshes without
     * `controlPlane.cluster`), each from its stack's export; interconnect members name them like groups. Default: none.
     */
    references?: MeshReference[];
}

/**
 * @internal The Mesh component passes its arguments on to the components it is made of without listing them, so tsc
 * holds each part to the arguments of the component that takes it (keys and values; see Describes), and
 * MultiNetworking's own to their schema. The gateway's, group's and cluster's are one type each (sdk/args.ts).
 */
export type MeshArgsPassedOn = [
    Holds<Describes<Omit<MeshArgs, "groups" | "gateways" | "interconnect" | "references">, MultiNetworkingArgs>>,
    Holds<Describes<Omit<MeshInterconnect, "members">, Omit<InterconnectArgs, "multiNetworking" | "members">>>,
    Holds<Describes<Omit<MeshMember, "group" | "gateways">, Omit<InterconnectMemberArgs, "networkGroup" | "gateways">>>,
    Holds<
        Describes<
            Omit<MultiNetworkingArgs, "clusters" | "controlPlane">,
            Omit<z.input<typeof multiNetworkingSchema>, "clusters" | "controlPlane">
        >
    >,
];

/**
 * A whole multi-network mesh from plain data: multi-networking enabled (the Gateway Rule, remote secrets), its
 * network groups, east-west gateways and interconnect. Built from the package's components, with their rules,
 * errors and preview warnings.
 */
export class Mesh extends pulumi.ComponentResource {
    /** `namespace/name` of the Gateway Rule. */
    readonly gatewayRule: pulumi.Output<string>;
    /** Each gateway's load-balancer address, by gateway name. */
    readonly gatewayAddresses: pulumi.Output<{ [name: string]: string }>;
    /** The port other networks reach each gateway at, by gateway name (15443 unless NodePort or `port`). */
    readonly gatewayPorts: pulumi.Output<{ [name: string]: number }>;
    /** Network names that are interconnected. */
    readonly interconnected: pulumi.Output<string[]>;
    /** How many control-plane restarts the interconnect has made. */
    readonly controlPlaneRestarts: pulumi.Output<number>;
    /**
     * In a group stack (no `controlPlane.cluster`): each group as the hub stack takes it (`references[].group`), with
     * its gateways, by group name; secret, since it holds istiod's reader credentials. Empty in other stacks.
     */
    readonly groupExports: pulumi.Output<{ [name: string]: NetworkGroupExport }>;

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:Mesh", name, {}, opts);
        // Each component takes its part of the arguments as it is (tsc holds them to one another: MeshArgsPassedOn).
        const { groups: groupArgs, gateways: gatewayArgs, interconnect, references: referenceArgs, ...multiNetworking } = args;
        const mn = new MultiNetworking(args.meshId, multiNetworking, { parent: this });
        const byName = <T>(kind: string, map: Map<string, T>, key: string, where: string): T => {
            const found = map.get(key);
            if (!found) {
                throw new pulumi.ResourceError(
                    `Mesh "${name}": ${where}: no ${kind} named "${key}" (${[...map.keys()].join(", ") || "none declared"}); declare it first`,
                    this,
                    true,
                );
            }
            return found;
        };
        const groups = new Map<string, NetworkGroup>();
        for (const { name: groupName, ...rest } of groupArgs ?? [])
            groups.set(groupName, new NetworkGroup(groupName, { multiNetworking: mn, ...rest }, { parent: this }));
        const gateways = new Map<string, EastWestGateway>();
        (gatewayArgs ?? []).forEach((gw, i) => {
            const { name: gwName, group, ...rest } = gw;
            const networkGroup = byName("group", groups, group, `gateways[${i}].group`);
            gateways.set(gwName, new EastWestGateway(gwName, { networkGroup, ...rest }, { parent: this }));
        });
        const references = new Map<string, NetworkGroupReference>();
        (referenceArgs ?? []).forEach(({ name: refName, group }, i) => {
            if (groups.has(refName))
                throw new pulumi.ResourceError(
                    `Mesh "${name}": references[${i}].name: "${refName}" is also a group of this Mesh; give each group and reference its own name`,
                    this,
                    true,
                );
            references.set(refName, new NetworkGroupReference(refName, { multiNetworking: mn, group }, { parent: this }));
        });
        const ic = interconnect
            ? new Interconnect(
                  args.meshId,
                  {
                      multiNetworking: mn,
                      ...interconnect,
                      members: interconnect.members.map(({ group, gateways: names, ...rest }, i) =>
                          references.has(group)
                              ? // Gateways given for a reference reach the Interconnect, which refuses them with the fix.
                                { networkGroup: references.get(group)!, ...(names ? { gateways: [] } : {}), ...rest }
                              : {
                                    networkGroup: byName("group", groups, group, `interconnect.members[${i}].group`),
                                    gateways: (names ?? []).map((g, j) =>
                                        byName("gateway", gateways, g, `interconnect.members[${i}].gateways[${j}]`),
                                    ),
                                    ...rest,
                                },
                      ),
                  },
                  { parent: this },
              )
            : undefined;

        this.gatewayRule = mn.gatewayRule;
        this.gatewayAddresses = pulumi.all(Object.fromEntries([...gateways].map(([n, g]) => [n, g.address])));
        this.gatewayPorts = pulumi.all(Object.fromEntries([...gateways].map(([n, g]) => [n, g.port])));
        this.interconnected = ic ? ic.networks : pulumi.output([]);
        this.controlPlaneRestarts = ic ? ic.controlPlaneRestarts : pulumi.output(0);
        const groupStack = args.controlPlane?.cluster === undefined;
        this.groupExports = pulumi.all(
            groupStack
                ? Object.fromEntries(
                      [...groups].map(([n, g]) => [
                          n,
                          g.export((gatewayArgs ?? []).filter((gw) => gw.group === n).map((gw) => gateways.get(gw.name)!)),
                      ]),
                  )
                : {},
        );
        this.registerOutputs({
            gatewayRule: this.gatewayRule,
            gatewayAddresses: this.gatewayAddresses,
            gatewayPorts: this.gatewayPorts,
            interconnected: this.interconnected,
            controlPlaneRestarts: this.controlPlaneRestarts,
            groupExports: this.groupExports,
        });
    }
}
