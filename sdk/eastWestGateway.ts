import * as pulumi from "@pulumi/pulumi";
import { eastWestGatewaySchema, parseArgs } from "../core/validate";
import { gatewayProblems } from "../core/rules";
import { EastWestGatewayResource } from "./dynamic";
import { fail, validate } from "./errors";
import { NetworkGroup } from "./networkGroup";

export interface EastWestGatewayArgs {
    /** The group the gateway serves. When its cluster moves to another group, point this at the new group: the gateway follows in place. */
    networkGroup: NetworkGroup;
    /** The cluster to run on: a member of `networkGroup`. At most one gateway per cluster. */
    cluster: string;
    /**
     * Gateway replicas, a whole number >= 1. A PodDisruptionBudget (minAvailable 1) is added above 1.
     * @default 1
     */
    replicas?: number;
    /**
     * Annotations for the LoadBalancer Service (cloud load-balancer settings). Keys must be valid annotation keys.
     * @default {}
     */
    serviceAnnotations?: Record<string, string>;
    /**
     * How other networks reach the gateway: through a `"LoadBalancer"` Service, or, where no load balancer exists
     * (bare metal, kind, behind a firewall), a `"NodePort"` Service at `address` (required then).
     * @default "LoadBalancer"
     */
    serviceType?: "LoadBalancer" | "NodePort";
    /**
     * Where other networks reach the gateway, as you set it (the output `address` is where they do): with a load
     * balancer, the address it should assign (`spec.loadBalancerIP`); with `"NodePort"`, a node's address or the NAT
     * in front of the nodes. A dotted-quad IPv4 or an IPv6 address, not in the discard prefix 100::/64.
     * @default the address the load balancer assigns (required with "NodePort")
     */
    address?: string;
    /**
     * With `"NodePort"`: the node port of the gateway's 15443 server, within the cluster's node-port range
     * (30000-32767 by default).
     * @default one Kubernetes picks
     */
    nodePort?: number;
    /**
     * The port other networks reach the gateway's 15443 server at, when something in between (a NAT, a firewall)
     * maps another one to it.
     * @default 15443, or the node port with "NodePort"
     */
    port?: number;
    /**
     * How long to wait for the load balancer's address before failing, in whole seconds >= 1.
     * @default 300
     */
    addressTimeoutSeconds?: number;
    /**
     * A proxy image (e.g. `"docker.io/istio/proxyv2:1.31.0"`) to run the gateway without Istio's sidecar injector.
     * Without it the pods use `image: auto`, which only the injector turns into a proxy; the preview refuses a
     * cluster that has no injector selecting them.
     * @default none: injected
     */
    proxyImage?: string;
}

/**
 * An Istio east-west gateway on one cluster: ServiceAccount, Deployment and Service `istio-eastwestgateway` in the
 * Istio namespace (ports 15021, 15443, 15012, 15017), of type LoadBalancer (ready once the load balancer has an
 * address) or NodePort (at the address you give). Other groups reach the gateway's group through it once the Interconnect joins it.
 */
export class EastWestGateway extends pulumi.ComponentResource {
    /** Where other networks reach the gateway: the load balancer's address (IP or hostname), or the `address` given with "NodePort". */
    readonly address: pulumi.Output<string>;
    /** The port other networks reach it at: `port` if given, else 15443, or the node port with "NodePort". */
    readonly port: pulumi.Output<number>;
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
        if (!(group instanceof NetworkGroup))
            throw new pulumi.ResourceError(`${label}: networkGroup: pass the NetworkGroup this gateway serves`, this, true);
        const parsed = validate(this, () => parseArgs(eastWestGatewaySchema, { ...args, networkGroup: undefined }, label));
        const mn = group.multiNetworking;
        this.spec = { name, cluster: parsed.cluster, networkName: group.spec.networkName, address: parsed.address };
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
                cluster: parsed.cluster,
                clusterId: mn.cluster(parsed.cluster).clusterId,
                namespace: mn.controlPlane.namespace,
                networkName: group.spec.networkName,
                replicas: parsed.replicas,
                serviceAnnotations: parsed.serviceAnnotations,
                serviceType: parsed.serviceType,
                requestedAddress: parsed.address,
                nodePort: parsed.nodePort,
                port: parsed.port,
                proxyImage: parsed.proxyImage,
                addressTimeoutSeconds: parsed.addressTimeoutSeconds,
            },
            { parent: this, dependsOn: [group.group] },
        );
        this.address = gw.address;
        this.port = gw.publishedPort;
        this.cluster = gw.cluster;
        this.registerOutputs({ address: this.address, port: this.port, cluster: this.cluster });
    }
}
