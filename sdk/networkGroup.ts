import * as pulumi from "@pulumi/pulumi";
import { movedClusters, moveWarning } from "../core/changes";
import { groupProblems, networkGroupSchema, parseArgs } from "../core/validate";
import { MultinetResource, providers } from "./dynamic";
import { fail, validate } from "./errors";
import { MultiNetworking } from "./multiNetworking";

export interface NetworkGroupArgs {
    /** The mesh's multi-networking this group belongs to. */
    multiNetworking: MultiNetworking;
    /**
     * Istio network name of the group (the `topology.istio.io/network` label value). DNS-1123 label.
     * Default: the resource name. Immutable: a change replaces the group.
     */
    networkName?: string;
    /**
     * Member clusters, by name (declared in the MultiNetworking). At least one; a cluster is in one group only;
     * members' Pod CIDRs must not overlap. Adding, removing and moving clusters are in-place updates.
     */
    clusters: string[];
}

/**
 * A network group: clusters whose Pods reach each other directly. Labels the Istio system namespace of each
 * member with `topology.istio.io/network=<networkName>`; removing a cluster restores what was there before.
 */
export class NetworkGroup extends pulumi.ComponentResource {
    /** The Istio network name. */
    readonly networkName: pulumi.Output<string>;
    /** Member clusters. */
    readonly clusters: pulumi.Output<string[]>;

    /** @internal plain values for the cross-resource rules */
    readonly spec: { networkName: string; clusters: string[] };
    /** @internal */
    readonly multiNetworking: MultiNetworking;
    /** @internal the dynamic resource gateways depend on */
    readonly group: pulumi.Resource;

    constructor(name: string, args: NetworkGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:NetworkGroup", name, {}, opts);
        const label = `NetworkGroup "${name}"`;
        const mn = args?.multiNetworking;
        if (!(mn instanceof MultiNetworking)) throw new pulumi.ResourceError(`${label}: multiNetworking: pass the MultiNetworking resource of the mesh`, this, true);
        this.spec = validate(this, () => parseArgs(networkGroupSchema, { networkName: args.networkName ?? name, clusters: args.clusters }, label));
        fail(this, label, groupProblems(this.spec, mn.clusters, mn.groups.map((g) => g.spec)));
        this.multiNetworking = mn;
        mn.groups.push(this);

        const networkName = this.spec.networkName;
        const warnMoves = new pulumi.ResourceHook(
            `multinet-moves-${mn.meshId}-${networkName}`,
            (hook) => {
                const before: string[] = hook.oldInputs?.clusters ?? [];
                const after: string[] = hook.newInputs?.clusters ?? [];
                for (const [cluster, to] of movedClusters(networkName, before, after, mn.groups.map((g) => g.spec))) {
                    const target = mn.groups.find((g) => g.spec.networkName === to) ?? this;
                    pulumi.log.warn(moveWarning(cluster, networkName, to), target);
                }
            },
            { onDryRun: true },
        );
        const group = new MultinetResource(
            providers.networkGroup,
            name,
            {
                ...mn.commonInputs(this.spec.clusters),
                networkName,
                namespace: mn.controlPlane.namespace,
                clusters: this.spec.clusters,
                live: undefined,
            },
            { parent: this, dependsOn: [mn.rule], hooks: { beforeUpdate: [warnMoves] } },
        );
        this.group = group;
        this.networkName = (group as any).networkName;
        this.clusters = (group as any).clusters;
        this.registerOutputs({ networkName: this.networkName, clusters: this.clusters });
    }
}
