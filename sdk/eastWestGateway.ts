import * as pulumi from "@pulumi/pulumi";
import { eastWestGatewaySchema, gatewayProblems, parseArgs } from "../core/validate";
import { MultinetResource, providers } from "./dynamic";
import { fail, validate } from "./errors";
import { NetworkGroup } from "./networkGroup";

export interface EastWestGatewayArgs {
    /** The group the gateway serves. When its cluster moves to another group, point this at the new group: the gateway follows in place. */
    networkGroup: NetworkGroup;
    /** The cluster to run on: a member of `networkGroup`. At most one gateway per cluster. */
    cluster: string;
    /** Gateway replicas, a whole number >= 1. Default 1. A PodDisruptionBudget (minAvailable 1) is added above 1. */
    replicas?: number;
    /** Annotations for the LoadBalancer Service (cloud load-balancer settings). Keys must be valid annotation keys. Default `{}`. */
    serviceAnnotations?: Record<string, string>;
    /** A load-balancer address you assign (`spec.loadBalancerIP`). Default: the address the cloud assigns. */
    address?: string;
    /** How long to wait for the load balancer's address before failing, in seconds. Default 300. */
    addressTimeoutSeconds?: number;
}

/**
 * An Istio east-west gateway on one cluster: ServiceAccount, Deployment and LoadBalancer Service
 * `istio-eastwestgateway` in the Istio namespace (ports 15021, 15443, 15012, 15017). Ready once the load
 * balancer has an address.
 */
export class EastWestGateway extends pulumi.ComponentResource {
    /** The load balancer's address (IP or hostname). */
    readonly address: pulumi.Output<string>;
    /** The cluster the gateway runs on. */
    readonly cluster: pulumi.Output<string>;

    /** @internal plain values for the cross-resource rules */
    readonly spec: { name: string; cluster: string; networkName: string; address?: string };
    /** @internal */
    readonly networkGroup: NetworkGroup;

    constructor(name: string, args: EastWestGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:EastWestGateway", name, {}, opts);
        const label = `EastWestGateway "${name}"`;
        const group = args?.networkGroup;
        if (!(group instanceof NetworkGroup)) throw new pulumi.ResourceError(`${label}: networkGroup: pass the NetworkGroup this gateway serves`, this, true);
        const parsed = validate(this, () => parseArgs(eastWestGatewaySchema, { ...args, networkGroup: undefined }, label));
        const mn = group.multiNetworking;
        this.spec = { name, cluster: parsed.cluster, networkName: group.spec.networkName, address: parsed.address };
        fail(this, label, gatewayProblems({ cluster: parsed.cluster, networkName: group.spec.networkName }, group.spec, mn.gateways.map((g) => g.spec)));
        this.networkGroup = group;
        mn.gateways.push(this);

        const gw = new MultinetResource(
            providers.eastWestGateway,
            name,
            {
                ...mn.commonInputs([parsed.cluster]),
                cluster: parsed.cluster,
                namespace: mn.controlPlane.namespace,
                network: group.spec.networkName,
                replicas: parsed.replicas,
                serviceAnnotations: parsed.serviceAnnotations,
                requestedAddress: parsed.address,
                addressTimeoutSeconds: parsed.addressTimeoutSeconds,
                address: undefined,
                live: undefined,
            },
            { parent: this, dependsOn: [group.group] },
        );
        this.address = (gw as any).address;
        this.cluster = (gw as any).cluster;
        this.registerOutputs({ address: this.address, cluster: this.cluster });
    }
}
