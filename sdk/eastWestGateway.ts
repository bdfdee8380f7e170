import * as pulumi from "@pulumi/pulumi";
import { eastWestGatewaySchema, parseArgs, requestedAddressOf } from "../core/validate";
import { gatewayProblems } from "../core/rules";
import { EastWestGatewayResource } from "./dynamic";
import { fail, validate } from "./errors";
import { NetworkGroup } from "./networkGroup";
import type { AsStrings, GatewayArgs } from "./args";

/** An EastWestGateway's arguments: a MeshGateway's (their docs are there), and the NetworkGroup it serves. */
export interface EastWestGatewayArgs extends AsStrings<GatewayArgs> {
    /** The group the gateway serves. When its cluster moves to another group, point this at the new group: the gateway follows in place. */
    networkGroup: NetworkGroup;
}

/**
 * An Istio east-west gateway on one cluster: ServiceAccount, Deployment and Service `istio-eastwestgateway` in the
 * Istio namespace (ports 15021, 15443, 15012, 15017), of type LoadBalancer (ready once the load balancer has an
 * address) or NodePort (at the address you give). Other groups reach the gateway's group through it once the Interconnect joins it.
 */
export class EastWestGateway extends pulumi.ComponentResource {
    /** Where other networks reach the gateway: the load balancer's address (IP or hostname), or `requestedAddress` with "NodePort". */
    readonly address: pulumi.Output<string>;
    /** The port other networks reach it at: `port` if given, else 15443, or the node port with "NodePort". */
    readonly port: pulumi.Output<number>;
    /** The cluster the gateway runs on. */
    readonly cluster: pulumi.Output<string>;

    /** @internal plain values for the cross-resource rules */
    readonly spec: { name: string; cluster: string; networkName: string; requestedAddress?: string };
    /** @internal */
    readonly networkGroup: NetworkGroup;

    constructor(name: string, args: EastWestGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:EastWestGateway", name, {}, opts);
        const label = `EastWestGateway "${name}"`;
        const group = args?.networkGroup;
        if (!(group instanceof NetworkGroup))
            throw new pulumi.ResourceError(`${label}: networkGroup: pass the NetworkGroup this gateway serves`, this, true);
        const parsed = validate(this, () => parseArgs(eastWestGatewaySchema, { ...args, networkGroup: undefined }, label));
        const mn = group.multiNetworking;
        // Every parsed argument goes to the provider as it is, `address` (requestedAddress's former name) as requestedAddress.
        const { address: _formerName, ...settings } = parsed;
        const requestedAddress = requestedAddressOf(parsed);
        this.spec = { name, cluster: parsed.cluster, networkName: group.spec.networkName, requestedAddress };
        fail(
            this,
            label,
            gatewayProblems({ cluster: parsed.cluster, networkName: group.spec.networkName }, group.spec, mn.registry.gateways),
        );
        this.networkGroup = group;
        mn.registry.gateways.push({ cluster: parsed.cluster, networkName: group.spec.networkName });

        const gw = new EastWestGatewayResource(
            name,
            {
                ...mn.commonInputs([parsed.cluster]),
                ...settings,
                requestedAddress,
                clusterId: mn.cluster(parsed.cluster).clusterId,
                namespace: mn.controlPlane.namespace,
                networkName: group.spec.networkName,
            },
            { parent: this, dependsOn: [group.group] },
        );
        this.address = gw.address;
        this.port = gw.publishedPort;
        this.cluster = gw.cluster;
        this.registerOutputs({ address: this.address, port: this.port, cluster: this.cluster });
    }
}
