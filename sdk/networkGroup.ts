import * as pulumi from "@pulumi/pulumi";
import { movesInto, moveWarning, unnetworkedWarning } from "../core/changes";
import { networkGroupSchema, parseArgs } from "../core/validate";
import { groupProblems, GroupView, NetworkGroupExport } from "../core/rules";
import { NetworkGroupResource, ownerIdentity } from "./dynamic";
import { EastWestGateway } from "./eastWestGateway";
import { fail, validate } from "./errors";
import { MultiNetworking } from "./multiNetworking";
import { previewReads, warnBeforeChanges } from "./previewReads";
import type { MeshGroup } from "./args";

/** A NetworkGroup's arguments: a MeshGroup's but its name (their docs are there), and the mesh's multi-networking. */
export interface NetworkGroupArgs extends Omit<MeshGroup, "name"> {
    /** The mesh's multi-networking this group belongs to. */
    multiNetworking: MultiNetworking;
}

/**
 * A network group: clusters whose Pods reach each other directly. Labels the Istio system namespace of each
 * member with `topology.istio.io/network=<networkName>` (removing a cluster restores what was there before), and
 * lists the network in meshNetworks: unreachable from other groups until the Interconnect joins it.
 */
export class NetworkGroup extends pulumi.ComponentResource {
    /** The Istio network name. */
    readonly networkName: pulumi.Output<string>;
    /** Member clusters. */
    readonly clusters: pulumi.Output<string[]>;

    /** @internal plain values for the cross-resource rules */
    readonly spec: GroupView;
    /** @internal */
    readonly multiNetworking: MultiNetworking;
    /** @internal the dynamic resource gateways depend on */
    readonly group: pulumi.Resource;

    constructor(name: string, args: NetworkGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:NetworkGroup", name, {}, opts);
        const label = `NetworkGroup "${name}"`;
        const mn = args?.multiNetworking;
        if (!(mn instanceof MultiNetworking))
            throw new pulumi.ResourceError(`${label}: multiNetworking: pass the MultiNetworking resource of the mesh`, this, true);
        this.spec = validate(this, () =>
            parseArgs(networkGroupSchema, { ...args, multiNetworking: undefined, networkName: args.networkName ?? name }, label),
        );
        fail(this, label, groupProblems(this.spec, mn.clusters, mn.registry.groups));
        this.multiNetworking = mn;
        mn.registry.groups.push(this.spec);

        const { networkName, clusters } = this.spec;
        const cp = mn.controlPlane;
        // A cluster's network changes where it arrives; judged from its namespace's label as it is now, so a move
        // is announced whatever happens to the group it leaves (updated, deleted or renamed).
        warnBeforeChanges(async () => {
            const accesses = (await Promise.all(clusters.map((c) => mn.knownAccess(c)))).filter((a) => a !== undefined);
            const current = await previewReads().networkLabels(accesses, cp.namespace);
            // Clusters that take the group's network in this update: moved here, or new to any group.
            const arriving = accesses.filter((a) => current[a.name] !== networkName);
            if (arriving.length === 0) return;
            const injected = await previewReads().injectsNetwork(arriving, cp.namespace, await mn.knownAccess(cp.cluster));
            const moves = movesInto(networkName, clusters, current);
            for (const { name } of arriving) {
                const from = moves.get(name);
                if (injected[name] === undefined) continue; // unreadable: the provider's check names the cluster
                const message = !injected[name]
                    ? unnetworkedWarning(name, networkName)
                    : from !== undefined
                      ? moveWarning(name, from, networkName, true)
                      : undefined;
                if (message) pulumi.log.warn(message, this);
            }
        });
        // In a group stack (no control plane) the group's meshNetworks entry is the hub's (NetworkGroupReference).
        const groupStack = cp.cluster === undefined;
        const group = new NetworkGroupResource(
            name,
            {
                ...mn.commonInputs(groupStack ? clusters : [...clusters, cp.cluster!]),
                networkName,
                namespace: cp.namespace,
                controlPlaneCluster: cp.cluster ?? "",
                configMap: groupStack ? "" : cp.configMap,
                clusters,
                ...(groupStack ? { manages: "labels" as const } : {}),
            },
            { parent: this, dependsOn: mn.rule ? [mn.rule] : [] },
        );
        this.group = group;
        this.networkName = group.networkName;
        this.clusters = group.clusters;
        this.registerOutputs({ networkName: this.networkName, clusters: this.clusters });
    }

    /**
     * What the hub stack needs to join this group, for a mesh split across stacks: export it from the group stack
     * (`export const group = networkGroup.export([gateway])`) and pass it to the hub's NetworkGroupReference (e.g.
     * through a `pulumi.StackReference`). Secret: it holds each cluster's reader kubeconfig for istiod.
     * @param gateways the group's east-west gateways other groups reach it through (all of this group)
     */
    export(gateways: EastWestGateway[]): pulumi.Output<NetworkGroupExport> {
        const mn = this.multiNetworking;
        const label = `NetworkGroup "${this.spec.networkName}"`;
        (gateways ?? []).forEach((g, i) => {
            if (!(g instanceof EastWestGateway) || g.networkGroup !== this)
                fail(this, label, [`export: gateways[${i}]: pass an EastWestGateway of this group`]);
        });
        const declared = this.spec.clusters.map((n) => mn.cluster(n));
        return pulumi.secret(
            pulumi
                .all([
                    pulumi.all(declared.map((c) => mn.readers[c.name] ?? pulumi.output(undefined))),
                    pulumi.all(gateways.map((g) => pulumi.all([g.address, g.port]))),
                    (this.group as pulumi.CustomResource).id,
                ])
                .apply(([readers, endpoints]) => ({
                    meshId: mn.meshId,
                    networkName: this.spec.networkName,
                    namespace: mn.controlPlane.namespace,
                    owner: ownerIdentity(),
                    clusters: declared.map((c, i) => ({
                        name: c.name,
                        clusterId: c.clusterId,
                        podCidrs: c.podCidrs,
                        ...(c.remoteSecretServer ? { remoteSecretServer: c.remoteSecretServer } : {}),
                        ...(readers[i] ? { reader: readers[i] } : {}),
                    })),
                    gateways: endpoints.map(([address, port]) => ({ address, port })),
                })),
        );
    }
}
