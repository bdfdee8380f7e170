// The components' plain-data arguments, each described once: the Mesh component takes them as they are (the component
// schema, and so YAML, Go and Python users, reads these types and their docs), and the components' own arguments
// derive from them (MultiNetworking's clusters and control plane are these types). They live apart from the Mesh
// component so that the components below it import them without importing the component built on top of them.
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { eastWestGatewaySchema, interconnectSchema, multiNetworkingSchema, networkGroupSchema } from "../core/validate";
import type { NetworkGroupExport } from "../core/rules";

// MeshCluster and MeshControlPlane are also MultiNetworking's ClusterArgs and ControlPlaneArgs, and MeshGateway less
// its name and group is EastWestGatewayArgs. Their docs say each default twice: in prose, which the component schema
// (and so YAML, Go and Python users) gets, and as @default.

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

/**
 * Clusters whose Pods reach each other directly. Its fields other than `name` are also the NetworkGroup component's
 * arguments (NetworkGroupArgs), described here once.
 */
export interface MeshGroup {
    /**
     * The group's name in the mesh, unique; gateways and interconnect members name the group by it. It is also the
     * group's resource name: two Mesh components in one stack need distinct group names.
     */
    name: string;
    /**
     * Istio network name of the group (the `topology.istio.io/network` label value): a DNS-1123 label. Immutable: a
     * change replaces the group, and moves its clusters to the new network. Default: the group's (resource) name.
     * @default the group's (resource) name
     */
    networkName?: string;
    /**
     * Member clusters, by name (clusters of the mesh). At least one; a cluster is in one group only; members' Pod
     * CIDRs must not overlap. Adding, removing and moving clusters are in-place updates.
     */
    clusters: string[];
}

/**
 * An east-west gateway on one cluster of a group. Its fields other than `name` and `group` are also the
 * EastWestGateway component's arguments (EastWestGatewayArgs), described here once.
 */
export interface MeshGateway {
    /**
     * The gateway's name in the mesh, unique; interconnect members name their gateways by it (also its resource
     * name, like a group's).
     */
    name: string;
    /** The group the gateway serves, by name. */
    group: string;
    /** The cluster it runs on: a member of the gateway's group; at most one gateway per cluster. */
    cluster: string;
    /**
     * Gateway replicas, a whole number >= 1; a PodDisruptionBudget (minAvailable 1) is added above 1. Default: 1.
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
     * Annotations for the gateway's pods (its Deployment's pod template), as Istio's gateway chart's `podAnnotations`:
     * e.g. a metrics scraper's. Keys must be valid annotation keys, other than the two the gateway sets itself for its
     * Istio injection (`sidecar.istio.io/inject`, `inject.istio.io/templates`). A change rolls the gateway's pods.
     * Default: none.
     * @default none
     */
    podAnnotations?: { [key: string]: string };
    /**
     * How other networks reach the gateway: through a `"LoadBalancer"` Service, or, where no load balancer exists
     * (bare metal, kind, behind a firewall), a `"NodePort"` Service at `requestedAddress` (required then). Default:
     * "LoadBalancer".
     * @default "LoadBalancer"
     */
    serviceType?: GatewayServiceType;
    /**
     * Where other networks should reach the gateway, as you request it (the gateway's output `address` is where they
     * do): with a load balancer, the address it should assign (`spec.loadBalancerIP`); with `"NodePort"`, a node's
     * address or the NAT in front of the nodes. A dotted-quad IPv4 or an IPv6 address, not in the discard prefix
     * 100::/64. Default: the address the load balancer assigns (required with "NodePort").
     * @default the address the load balancer assigns (required with "NodePort")
     */
    requestedAddress?: string;
    /**
     * The former name of `requestedAddress`, still taken in its place: give one of the two. Default: none.
     * @deprecated Use `requestedAddress`: `address` is also the output where other networks reach the gateway.
     */
    address?: string;
    /**
     * With `"NodePort"`: the node port of the gateway's 15443 server, within the cluster's node-port range
     * (30000-32767 by default). Default: one Kubernetes picks.
     * @default one Kubernetes picks
     */
    nodePort?: number;
    /**
     * The port other networks reach the gateway's 15443 server at, when something in between (a NAT, a firewall)
     * maps another one to it. Default: 15443, or the node port with "NodePort".
     * @default 15443, or the node port with "NodePort"
     */
    port?: number;
    /**
     * How long to wait for the load balancer's address before failing, in whole seconds >= 1. Default: 300.
     * @default 300
     */
    addressTimeoutSeconds?: number;
    /**
     * A proxy image (e.g. `"docker.io/istio/proxyv2:1.31.0"`) to run the gateway without Istio's sidecar injector.
     * Without it the pods use `image: auto`, which only the injector turns into a proxy; the preview refuses a
     * cluster that has no injector selecting them. Default: none (injected).
     * @default none: injected
     */
    proxyImage?: string;
}

/** A group in the interconnect. */
export interface MeshMember {
    /** The group, by name; each group at most once. */
    group: string;
    /**
     * Its gateways through which other groups reach it, by name: at least one, all of that group. Left out for a
     * reference (`references`): its gateways are those its group stack exported.
     */
    gateways?: string[];
    /**
     * Which of those gateways' addresses to publish; each must be an address of one of them. Default: all of them.
     * @default every address of `gateways`
     */
    addresses?: string[];
}

/** In a hub stack of a mesh split across stacks: a group that a group stack manages. */
export interface MeshReference {
    /** Its name in this mesh, unique among groups: interconnect members name it (also its resource name). */
    name: string;
    /**
     * The group as its group stack exports it: that stack's Mesh output `groupExports`, at the group's name (e.g. in
     * YAML, `${westStack.outputs["groupExports"]["west"]}` of a `pulumi:pulumi:StackReference`), or NetworkGroup.export.
     */
    group: pulumi.Input<NetworkGroupExport>;
}

// An enum, as the package schema is read from these types; its values are core's restartPolicies (tsc holds them to the
// Interconnect's schema, see ArgumentsParsed; unit-tested too).
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

/** An EastWestGateway's own arguments (the component's add the NetworkGroup it serves): a MeshGateway's. */
export type GatewayArgs = Omit<MeshGateway, "name" | "group">;

/**
 * An argument type as TypeScript programs write it: an enum's field also takes the enum's values as strings
 * (`serviceType: "NodePort"` as well as `GatewayServiceType.NodePort`). Each field keeps its doc.
 */
export type AsStrings<T> = { [K in keyof T]: T[K] extends string | undefined ? T[K] | `${NonNullable<T[K]>}` : T[K] };

/**
 * `true` when what takes an argument type (a schema's input, `z.input<typeof schema>`, or a component's arguments)
 * has exactly its keys, and each key takes exactly the values the type allows (optional where the type's is);
 * otherwise the keys that differ, which tsc's error names.
 */
export type Describes<Args, Input> = [Exclude<keyof Args, keyof Input>, Exclude<keyof Input, keyof Args>] extends [never, never]
    ? [DifferingValues<AsStrings<Args>, Input>] extends [never]
        ? true
        : { valuesDifferAt: DifferingValues<AsStrings<Args>, Input> }
    : { onlyInTheArguments: Exclude<keyof Args, keyof Input>; onlyInWhatTakesThem: Exclude<keyof Input, keyof Args> };

type DifferingValues<A, B> = { [K in keyof A & keyof B]-?: [A[K], B[K]] extends [B[K], A[K]] ? never : K }[keyof A & keyof B];

/** @internal Compiles only for `true`: see ArgumentsParsed. */
export type Holds<T extends true> = T;

/**
 * @internal Each core schema parses exactly the arguments described here (checked by tsc; nothing at run time), so an
 * argument added here and not to its schema, or to its schema and not here, does not compile. `kubeconfig` is
 * checked by MultiNetworking itself; a NetworkGroup's `networkName` reaches its schema filled in (the resource name).
 */
export type ArgumentsParsed = [
    Holds<Describes<GatewayArgs, z.input<typeof eastWestGatewaySchema>>>,
    Holds<Describes<Omit<MeshGroup, "name"> & { networkName: string }, z.input<typeof networkGroupSchema>>>,
    Holds<Describes<Omit<MeshCluster, "kubeconfig">, z.input<typeof multiNetworkingSchema>["clusters"][number]>>,
    Holds<Describes<MeshControlPlane, z.input<typeof multiNetworkingSchema>["controlPlane"]>>,
    Holds<Describes<Omit<MeshInterconnect, "members">, z.input<typeof interconnectSchema>>>,
];
