import * as pulumi from "@pulumi/pulumi";
import { classifyMembership, restartWarning } from "../core/changes";
import { multiNetworkingSchema, parseArgs } from "../core/validate";
import { validate } from "./errors";
import { MultinetResource, ownerIdentity, providers } from "./dynamic";
import type { EastWestGateway } from "./eastWestGateway";
import type { NetworkGroup } from "./networkGroup";

export interface ClusterArgs {
    /** Cluster name: a DNS-1123 label, unique in the mesh. It is also Istio's cluster ID (meshNetworks `fromRegistry`). */
    name: string;
    /**
     * kubeconfig text for this cluster (its current context is used). Pass a secret, e.g.
     * `cfg.requireSecret("east1")`; it is kept secret in state and never logged.
     */
    kubeconfig: pulumi.Input<string>;
    /** Pod CIDRs of the cluster, e.g. `["10.20.0.0/16"]`. Used to refuse overlapping CIDRs inside one network group. Default `[]`. */
    podCidrs?: string[];
}

export interface ControlPlaneArgs {
    /** The cluster that runs the mesh control plane (istiod); must be one of `clusters`. */
    cluster: string;
    /** Istio's system namespace on every cluster. Default `"istio-system"`. */
    namespace?: string;
    /** The control plane's Deployment, rolled when networks join or leave. Default `"istiod"`. */
    deployment?: string;
    /** The mesh ConfigMap holding `meshNetworks`. Default `"istio"` (`"istio-<revision>"` for revisioned installs). */
    configMap?: string;
}

export interface MultiNetworkingArgs {
    /** The mesh's id: a DNS-1123 label. Objects we write carry it; groups of other meshes are never touched. */
    meshId: string;
    /** Where the control plane runs and how it is named. */
    controlPlane: ControlPlaneArgs;
    /** Every cluster the package may touch. At least one; names unique. */
    clusters: ClusterArgs[];
}

/**
 * Multi-networking of one mesh: the "enable" switch. Creates the cross-network Gateway Rule (Istio `Gateway`
 * `cross-network-gateway`, port 15443, TLS AUTO_PASSTHROUGH) on the control-plane cluster. Deleting it
 * (disabling) is refused while any network group of the mesh exists, in this stack or another.
 */
export class MultiNetworking extends pulumi.ComponentResource {
    /** `namespace/name` of the Gateway Rule. */
    readonly gatewayRule: pulumi.Output<string>;
    readonly meshId: string;
    readonly controlPlane: Required<ControlPlaneArgs>;
    /** Declared clusters (names and Pod CIDRs). */
    readonly clusters: { name: string; podCidrs: string[] }[];

    /** @internal cluster name -> kubeconfig (secret). */
    readonly kubeconfigs: Record<string, pulumi.Input<string>>;
    /** @internal the dynamic resource that network groups depend on (so they are deleted first). */
    readonly rule: pulumi.Resource;
    /** @internal groups and gateways declared so far, for the cross-resource rules. */
    readonly groups: NetworkGroup[] = [];
    /** @internal */
    readonly gateways: EastWestGateway[] = [];
    /** @internal how many Interconnects of this mesh the program declares */
    interconnects = 0;

    constructor(name: string, args: MultiNetworkingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:MultiNetworking", name, {}, opts);
        const parsed = validate(this, () =>
            parseArgs(multiNetworkingSchema, { ...args, clusters: args?.clusters?.map((c) => ({ name: c?.name, podCidrs: c?.podCidrs })) }, `MultiNetworking "${name}"`),
        );
        args.clusters.forEach((c, i) => {
            if (c.kubeconfig === undefined || c.kubeconfig === "") {
                throw new pulumi.ResourceError(`MultiNetworking "${name}": clusters[${i}].kubeconfig: missing for cluster "${c.name}"; pass the kubeconfig text, e.g. cfg.requireSecret("${c.name}")`, this, true);
            }
        });
        this.meshId = parsed.meshId;
        this.controlPlane = parsed.controlPlane;
        this.clusters = parsed.clusters;
        this.kubeconfigs = Object.fromEntries(args.clusters.map((c) => [c.name, c.kubeconfig]));

        const rule = new MultinetResource(
            providers.gatewayRule,
            `${name}-gateway-rule`,
            {
                ...this.commonInputs(this.clusters.map((c) => c.name)),
                controlPlaneCluster: this.controlPlane.cluster,
                namespace: this.controlPlane.namespace,
                clusters: this.clusters.map((c) => c.name),
                gatewayRule: undefined,
                liveSpec: undefined,
            },
            { parent: this },
        );
        this.rule = rule;
        this.gatewayRule = (rule as any).gatewayRule;
        this.registerOutputs({ gatewayRule: this.gatewayRule });
        if (pulumi.runtime.isDryRun()) this.warnIfInterconnectRemoved();
    }

    /**
     * A program that drops its Interconnect leaves the engine to delete it, and no hook of ours runs for a resource
     * that is gone. So the preview reads the ConfigMap's record of this stack's joined networks and says it here.
     */
    private warnIfInterconnectRemoved(): void {
        const cp = this.controlPlane;
        pulumi.output(this.kubeconfigs[cp.cluster]).apply(async (kubeconfig) => {
            if (this.interconnects > 0 || !kubeconfig) return;
            const { joinedByStack } = require("../provider") as typeof import("../provider");
            const joined = await joinedByStack({ name: cp.cluster, kubeconfig }, cp, { owner: ownerIdentity(), meshId: this.meshId }).catch(() => undefined);
            if (!joined) return;
            const change = classifyMembership(joined.networks, [], joined.controlPlaneRestart);
            const message = restartWarning(change, cp.deployment, cp.namespace, cp.cluster);
            if (message) pulumi.log.warn(`${message} (The Interconnect was removed from the program.)`, this);
        });
    }

    /**
     * @internal The inputs every resource of this mesh carries: mesh id, owning stack, and the kubeconfigs of the
     * clusters it touches as one secret map.
     */
    commonInputs(clusterNames: string[]) {
        const entries = clusterNames.map((n) => pulumi.output(this.kubeconfigs[n]).apply((k) => [n, k] as const));
        return {
            meshId: this.meshId,
            owner: ownerIdentity(),
            kubeconfigs: pulumi.secret(pulumi.all(entries).apply((es) => Object.fromEntries(es))),
        };
    }
}
