// What the kubeconfig's user must be allowed to do, per resource and per role of a cluster: checked at preview
// (SelfSubjectAccessReview), so that a user who may read but not write fails before anything is written. The
// README's "Permissions" table lists the same (test/unit/permissions.test.ts compares them).

export interface Permission {
    /** API group ("" for the core group). */
    group: string;
    /** Plural resource name, with a subresource after "/" (pods/portforward). */
    resource: string;
    verbs: string[];
    /** Where: the Istio namespace, or the whole cluster. */
    scope: "namespace" | "cluster";
}

const rw = ["get", "create", "patch", "delete"];
const ns = (group: string, resource: string, verbs: string[]): Permission => ({ group, resource, verbs, scope: "namespace" });
const cl = (group: string, resource: string, verbs: string[]): Permission => ({ group, resource, verbs, scope: "cluster" });

export const permissions = {
    /**
     * Every declared cluster: groups label the Istio namespace; disabling lists them; a group reads the network its
     * sidecar injector gives Pods (webhooks and the injector's ConfigMap).
     */
    everyCluster: [
        cl("", "namespaces", ["get", "list", "patch"]),
        ns("", "configmaps", ["list"]),
        cl("admissionregistration.k8s.io", "mutatingwebhookconfigurations", ["list"]),
    ],
    /** The control-plane cluster: the Gateway Rule, meshNetworks, istiod's restarts. */
    controlPlane: [
        ns("networking.istio.io", "gateways", rw),
        ns("", "configmaps", ["get", "patch"]),
        ns("apps", "deployments", ["get", "patch"]),
    ],
    /** A cluster that runs an east-west gateway. */
    gatewayCluster: [
        ns("", "serviceaccounts", rw),
        ns("", "services", rw),
        ns("apps", "deployments", rw),
        ns("policy", "poddisruptionbudgets", rw),
    ],
    /** The control-plane cluster, to wait for istiod as istioctl reaches it (unless skipAwait or istiodDebug). */
    istiod: [ns("", "pods", ["list"]), ns("", "pods/portforward", ["create"])],
    /** The control-plane cluster, for remote secrets. */
    remoteSecrets: [ns("", "secrets", ["get", "list", "create", "patch", "delete"])],
    /**
     * A cluster istiod reads through a remote secret we make: its reader, the reader's role and token (listing the
     * tokens tells whether another mesh's reader still uses the shared ServiceAccount).
     */
    readCluster: [
        ns("", "serviceaccounts", rw),
        ns("", "secrets", ["get", "list", "create", "patch", "delete"]),
        cl("rbac.authorization.k8s.io", "clusterroles", rw),
        cl("rbac.authorization.k8s.io", "clusterrolebindings", rw),
    ],
    /** A cluster of a group stack (no control plane in the stack): the hub record, and the Role that lets the reader write it. */
    hubRecord: [
        ns("", "configmaps", rw),
        ns("rbac.authorization.k8s.io", "roles", rw),
        ns("rbac.authorization.k8s.io", "rolebindings", rw),
    ],
} as const;
