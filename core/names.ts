// Names, labels and ports shared by everything the package writes (Istio's own names where Istio defines them).

/**
 * The server-side-apply field manager of an owner (`<project>/<stack>/<mesh>`): one per owner, so that the API
 * server itself refuses a write that would take fields another stack holds (a conflict names the manager).
 */
export function fieldManagerOf(owner: string): string {
    const name = `${fieldManagerPrefix}${owner}`;
    // Field manager names are limited to 128 characters.
    return name.length <= 128 ? name : `${name.slice(0, 111)}~${fnv1a(owner)}`;
}

export const fieldManagerPrefix = "pulumi-multinet/";

/** The one field manager of every write before 0.2; its fields are handed over to the owner's manager. */
export const legacyFieldManager = "pulumi-multinet";

/** A short stable hash (FNV-1a, 32 bits, hex) for names that must stay within a length. */
function fnv1a(text: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(16).padStart(8, "0");
}

export const labels = {
    /** Istio: the default network of a cluster's pods when set on the system namespace. */
    network: "topology.istio.io/network",
    managedBy: "app.kubernetes.io/managed-by",
    mesh: "multinet.pulumi.io/mesh",
    networkGroup: "multinet.pulumi.io/network-group",
    /** Istio: a Secret istiod reads as a remote cluster's credentials. */
    multiCluster: "istio/multiCluster",
} as const;

export const annotations = {
    /** Which stack and mesh wrote an object; another owner's object is never taken over silently. */
    owner: "multinet.pulumi.io/owner",
    /** The pod-template annotation `kubectl rollout restart` sets; changing it rolls the Deployment. */
    restartedAt: "kubectl.kubernetes.io/restartedAt",
    /** Istio: the cluster ID a remote secret stands for. */
    istioCluster: "networking.istio.io/cluster",
    /** The rotation a remote secret's token was made for (MultiNetworking's remoteSecretRotation). */
    rotation: "multinet.pulumi.io/rotation",
    /** Kubernetes: the ServiceAccount a token Secret is for. */
    serviceAccountName: "kubernetes.io/service-account.name",
    /** On a hub record: the hub stack (`<project>/<stack>/<mesh>`) that reads the cluster through its reader. */
    hub: "multinet.pulumi.io/hub",
    /** On a hub record: which reader token the hub's remote secret holds (the first 16 hex of its SHA-256). */
    hubToken: "multinet.pulumi.io/hub-token",
} as const;

/** Istio: the pod annotations that decide a pod's injection; a gateway's pod template sets them itself. */
export const injectionAnnotations = {
    /** "true" or "false": whether the injector adds the proxy. */
    inject: "sidecar.istio.io/inject",
    /** Which injection template; a gateway's is "gateway". */
    templates: "inject.istio.io/templates",
} as const;

export const managedByValue = "pulumi-multinet";

export const gatewayRuleName = "cross-network-gateway";

/**
 * What `istioctl create-remote-secret` makes, under Istio's names where Istio defines them: in a remote cluster the
 * reader ServiceAccount (used as it is when Istio's installer made it), a read-only ClusterRole bound to it and a
 * token Secret for it, named per mesh; on the control-plane cluster the remote secret itself.
 */
export const remoteAccess = {
    serviceAccount: "istio-reader-service-account",
    clusterRole: (meshId: string) => `multinet-istio-reader-${meshId}`,
    /** The reader's token; a rotation (MultiNetworking's remoteSecretRotation) gives it a new name, so a new token. */
    tokenSecret: (meshId: string, rotation = "") => `istio-reader-${meshId}-token${rotation ? `-${fnv1a(rotation)}` : ""}`,
    remoteSecret: (clusterId: string) => `istio-remote-secret-${clusterId}`,
    /**
     * In a cluster of a group stack (a mesh split across stacks): the ConfigMap where the hub stack that reads the
     * cluster through the group's reader says so, and the Role that lets the reader write it and nothing else.
     */
    hubRecord: (meshId: string) => `multinet-hub-${meshId}`,
} as const;

export const eastWest = {
    name: "istio-eastwestgateway",
    serviceAccount: "istio-eastwestgateway-service-account",
    selector: { istio: "eastwestgateway" },
    ports: [
        { name: "status-port", port: 15021 },
        { name: "tls", port: 15443 },
        { name: "tls-istiod", port: 15012 },
        { name: "tls-webhook", port: 15017 },
    ],
} as const;

/** Port of the east-west gateway's AUTO_PASSTHROUGH server, the one meshNetworks points at. */
export const crossNetworkPort = 15443;

/**
 * When the interconnect restarts the control plane (Interconnect's `controlPlaneRestart`, kept in the ledger):
 * "onMembershipChange" rolls istiod's Deployment once per update in which networks join or leave; "never" relies on
 * istiod's hot reload of meshNetworks. The one list of the values: the zod schema takes it, and tsc and the unit tests
 * hold the SDK's enum (which the package schema is made from) and the README to it.
 */
export const restartPolicies = ["onMembershipChange", "never"] as const;
export type RestartPolicy = (typeof restartPolicies)[number];
/** Also the policy of a ledger whose release recorded none. */
export const defaultRestartPolicy: RestartPolicy = "onMembershipChange";
