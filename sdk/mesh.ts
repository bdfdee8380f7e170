// The whole topology of one mesh as plain data, for declarative repos (Pulumi YAML) and the SDKs generated from
// the component schema: the same components underneath (MultiNetworking, NetworkGroup, EastWestGateway,
// Interconnect), so the same rules, errors, preview warnings and objects. Resources reference each other by name
// here, since a component schema can only carry plain values.
import * as pulumi from "@pulumi/pulumi";
import { EastWestGateway } from "./eastWestGateway";
import { Interconnect } from "./interconnect";
import { MultiNetworking } from "./multiNetworking";
import { NetworkGroup } from "./networkGroup";

// MeshCluster and MeshControlPlane are also MultiNetworking's ClusterArgs and ControlPlaneArgs. Their docs say each
// default twice: in prose, which the component schema (and so YAML, Go and Python users) gets, and as @default.

/** One cluster of the mesh. */
export interface MeshCluster {
    /** Cluster name in the mesh: a DNS-1123 label, unique. Groups and gateways name clusters by it. */
    name: string;
    /**
     * kubeconfig text for this cluster (its current context is used). Pass a secret (TypeScript:
     * `cfg.requireSecret("east1")`; YAML: a config value declared `secret: true`); it is kept secret in state.
     */
    kubeconfig: pulumi.Input<string>;
    /**
     * The cluster's Istio cluster ID, unique in the mesh. On the control-plane cluster it is istiod's `CLUSTER_ID`
     * (checked at preview), any label value such as Istio's default "Kubernetes"; on the others it is the key and
     * name of its remote secret, so a DNS-1123 label. Default: the cluster's name.
     * @default the cluster's `name`
     */
    clusterId?: string;
    /**
     * Pod CIDRs of the cluster, e.g. `["10.20.0.0/16"]`: no overlap is allowed inside one network group. Default: none.
     * @default []
     */
    podCidrs?: string[];
    /**
     * The API server address istiod reaches this cluster at, written into its remote secret (https URL). Set it
     * when the address in `kubeconfig` is not reachable from the control plane. Default: the server of the kubeconfig.
     * @default the server of `kubeconfig`
     */
    remoteSecretServer?: string;
}

/** Where the mesh's control plane runs. */
export interface MeshControlPlane {
    /**
     * The cluster that runs the mesh control plane (istiod): one of the clusters' names. Leave it out in a group
     * stack of a mesh split across stacks (groups and gateways only): the hub stack, which holds the control plane,
     * joins the group through a NetworkGroupReference to the group's export (NetworkGroup.export).
     */
    cluster?: string;
    /**
     * Istio's system namespace on every cluster: a DNS-1123 label. Default: "istio-system".
     * @default "istio-system"
     */
    namespace?: string;
    /**
     * The control plane's Deployment: its `CLUSTER_ID` is checked at preview, and it rolls when networks join or
     * leave. A DNS-1123 label. Default: "istiod".
     * @default "istiod"
     */
    deployment?: string;
    /**
     * The mesh ConfigMap holding `meshNetworks` (`"istio-<revision>"` for revisioned installs). A DNS-1123 label.
     * Default: "istio".
     * @default "istio"
     */
    configMap?: string;
    /**
     * istiod's debug address (`http://host:15014`), for an istiod that is not a pod of the control-plane cluster
     * (a hosted control plane). Default: a port-forward to a ready pod of `deployment`, as istioctl does.
     * @default a port-forward to istiod's pod
     */
    istiodDebug?: string;
}

/** Clusters whose Pods reach each other directly. */
export interface MeshGroup {
    /**
     * The group's name in the mesh, unique; gateways and interconnect members name the group by it. It is also the
     * group's resource name: two Mesh components in one stack need distinct group names.
     */
    name: string;
    /**
     * Istio network name (the `topology.istio.io/network` label): a DNS-1123 label; immutable (a change replaces the
     * group). Default: the group's name.
     * @default the group's `name`
     */
    networkName?: string;
    /** Member clusters, by name: at least one; a cluster is in one group only; Pod CIDRs must not overlap. */
    clusters: string[];
}

/** An east-west gateway on one cluster of a group. */
export interface MeshGateway {
    /**
     * The gateway's name in the mesh, unique; interconnect members name their gateways by it (also its resource
     * name, like a group's).
     */
    name: string;
    /** The group the gateway serves, by name. */
    group: string;
    /** The cluster it runs on: a member of the group; at most one gateway per cluster. */
    cluster: string;
    /**
     * Gateway replicas, a whole number >= 1 (a PodDisruptionBudget above 1). Default: 1.
     * @default 1
     */
    replicas?: number;
    /**
     * Annotations for the LoadBalancer Service (cloud load-balancer settings); keys must be valid annotation keys.
     * Default: none.
     * @default {}
     */
    serviceAnnotations?: { [key: string]: string };
    /**
     * How other networks reach the gateway: a LoadBalancer Service, or where no load balancer exists a NodePort
     * Service at `address` (required then). Default: LoadBalancer.
     * @default LoadBalancer
     */
    serviceType?: GatewayServiceType;
    /**
     * Where other networks reach the gateway, as you set it: with a load balancer, the address it should assign
     * (`spec.loadBalancerIP`); with NodePort, a node's address or the NAT in front of the nodes. Dotted-quad IPv4 or
     * IPv6, not in 100::/64. Default: the address the load balancer assigns (required with NodePort).
     * @default the address the load balancer assigns
     */
    address?: string;
    /**
     * With NodePort: the node port of the gateway's 15443 server (within the cluster's node-port range). Default: one
     * Kubernetes picks.
     * @default one Kubernetes picks
     */
    nodePort?: number;
    /**
     * The port other networks reach the gateway's 15443 server at, when a NAT or firewall maps another one to it.
     * Default: 15443, or the node port with NodePort.
     * @default 15443, or the node port with NodePort
     */
    port?: number;
    /**
     * How long to wait for the load balancer's address, in whole seconds >= 1. Default: 300.
     * @default 300
     */
    addressTimeoutSeconds?: number;
    /**
     * A proxy image (e.g. "docker.io/istio/proxyv2:1.31.0") to run the gateway without Istio's sidecar injector;
     * without it the preview refuses a cluster with no injector selecting the gateway pods. Default: injected.
     * @default none: injected
     */
    proxyImage?: string;
}

/** A group in the interconnect. */
export interface MeshMember {
    /** The group, by name; each group at most once. */
    group: string;
    /** Its gateways through which other groups reach it, by name: at least one, all of that group. */
    gateways: string[];
    /**
     * Which of those gateways' addresses to publish; each must be an address of one of them. Default: all of them.
     * @default every address of `gateways`
     */
    addresses?: string[];
}

// An enum, as the package schema is read from these types; its values are core's restartPolicies (unit-tested).
/** How a control-plane restart is decided when networks join or leave the interconnect. */
export enum ControlPlaneRestart {
    /** Roll the control-plane Deployment once per update in which networks join or leave. */
    OnMembershipChange = "onMembershipChange",
    /** Never roll it: rely on istiod's hot reload of meshNetworks. */
    Never = "never",
}

/** How other networks reach an east-west gateway. */
export enum GatewayServiceType {
    /** A LoadBalancer Service: the cloud (or MetalLB) gives the address. */
    LoadBalancer = "LoadBalancer",
    /** A NodePort Service, at an address you give: for clusters without a load balancer. */
    NodePort = "NodePort",
}

/** Who gives istiod the credentials to read the other clusters. */
export enum RemoteSecrets {
    /** This package, as `istioctl create-remote-secret` would. */
    Managed = "managed",
    /** The platform (hosted meshes): the preview warns for each cluster that has none. */
    External = "external",
}

/** The groups that reach each other through their gateways. */
export interface MeshInterconnect {
    /** The joined groups. */
    members: MeshMember[];
    /**
     * Whether the control plane rolls (once per update) when groups join or leave. Default: onMembershipChange.
     * @default onMembershipChange
     */
    controlPlaneRestart?: ControlPlaneRestart;
}

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
}

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

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:Mesh", name, {}, opts);
        const mn = new MultiNetworking(
            args.meshId,
            // The enums' values are the strings the components take.
            {
                meshId: args.meshId,
                controlPlane: args.controlPlane,
                clusters: args.clusters,
                remoteSecrets: args.remoteSecrets as `${RemoteSecrets}` | undefined,
                skipAwait: args.skipAwait,
                remoteSecretRotation: args.remoteSecretRotation,
                awaitTimeoutSeconds: args.awaitTimeoutSeconds,
            },
            { parent: this },
        );
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
        for (const g of args.groups ?? []) {
            groups.set(
                g.name,
                new NetworkGroup(g.name, { multiNetworking: mn, networkName: g.networkName, clusters: g.clusters }, { parent: this }),
            );
        }
        const gateways = new Map<string, EastWestGateway>();
        (args.gateways ?? []).forEach((gw, i) => {
            const { name: gwName, group, serviceType, ...rest } = gw;
            const networkGroup = byName("group", groups, group, `gateways[${i}].group`);
            gateways.set(
                gwName,
                new EastWestGateway(
                    gwName,
                    { networkGroup, serviceType: serviceType as `${GatewayServiceType}` | undefined, ...rest },
                    { parent: this },
                ),
            );
        });
        const ic = args.interconnect
            ? new Interconnect(
                  args.meshId,
                  {
                      multiNetworking: mn,
                      controlPlaneRestart: args.interconnect.controlPlaneRestart as `${ControlPlaneRestart}` | undefined,
                      members: args.interconnect.members.map((m, i) => ({
                          networkGroup: byName("group", groups, m.group, `interconnect.members[${i}].group`),
                          gateways: m.gateways.map((g, j) => byName("gateway", gateways, g, `interconnect.members[${i}].gateways[${j}]`)),
                          addresses: m.addresses,
                      })),
                  },
                  { parent: this },
              )
            : undefined;

        this.gatewayRule = mn.gatewayRule;
        this.gatewayAddresses = pulumi.all(Object.fromEntries([...gateways].map(([n, g]) => [n, g.address])));
        this.gatewayPorts = pulumi.all(Object.fromEntries([...gateways].map(([n, g]) => [n, g.port])));
        this.interconnected = ic ? ic.networks : pulumi.output([]);
        this.controlPlaneRestarts = ic ? ic.controlPlaneRestarts : pulumi.output(0);
        this.registerOutputs({
            gatewayRule: this.gatewayRule,
            gatewayAddresses: this.gatewayAddresses,
            gatewayPorts: this.gatewayPorts,
            interconnected: this.interconnected,
            controlPlaneRestarts: this.controlPlaneRestarts,
        });
    }
}
