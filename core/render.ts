// Pure rendering: the Kubernetes objects that realise each concept, as server-side-apply bodies.
import * as YAML from "yaml";
import {
    annotations,
    crossNetworkPort,
    eastWest,
    gatewayRuleName,
    injectionAnnotations,
    labels,
    managedByValue,
    remoteAccess,
} from "./names";
import type { ParsedGateway } from "./validate";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        resourceVersion?: string;
    };
    [key: string]: unknown;
}

/** Identity of the writer: stack and mesh. Stored on every object; compared before any write. */
export interface Ownership {
    meshId: string;
    /** The owner value: `<project>/<stack>/<meshId>` (see ownership). */
    owner: string;
}

/** Who wrote an object, as stamped on it and named in field managers: `<project>/<stack>/<meshId>`. */
export function ownerValue(who: { owner: string; meshId: string }): string {
    return `${who.owner}/${who.meshId}`;
}

/** Mesh id and owner value as the renderer stamps them on objects; `owner` is `<project>/<stack>`. */
export function ownership(who: { owner: string; meshId: string }): Ownership {
    return { meshId: who.meshId, owner: ownerValue(who) };
}

function ownedMetadata(o: Ownership, name: string, namespace: string | undefined, extraLabels: Record<string, string> = {}) {
    return {
        name,
        ...(namespace ? { namespace } : {}),
        labels: { [labels.managedBy]: managedByValue, [labels.mesh]: o.meshId, ...extraLabels },
        annotations: { [annotations.owner]: o.owner },
    };
}

/** The cross-network "Gateway Rule": port 15443, TLS AUTO_PASSTHROUGH, for every east-west gateway. */
export function gatewayRule(o: Ownership, namespace: string): KubeObject {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: ownedMetadata(o, gatewayRuleName, namespace),
        spec: gatewayRuleSpec(),
    };
}

export function gatewayRuleSpec() {
    return {
        selector: { ...eastWest.selector },
        servers: [
            { port: { number: crossNetworkPort, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] },
        ],
    };
}

/** Our fields on a cluster's Istio system namespace: the network label plus the labels that find groups again. */
export function networkLabelPatch(o: Ownership, namespace: string, network: string): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: namespace,
            labels: { [labels.network]: network, [labels.mesh]: o.meshId, [labels.networkGroup]: network },
            annotations: { [annotations.owner]: o.owner },
        },
    };
}

/** A gateway's arguments its objects do not carry: where it runs, and what the provider waits for and publishes. */
export type UnrenderedGatewayArgs = "cluster" | "addressTimeoutSeconds" | "port";

/**
 * What a gateway's objects are rendered from: its parsed arguments (described once, in the SDK's MeshGateway), less
 * those they do not carry, and where it runs. A new argument arrives here, and in the provider's inputs, by itself.
 * `address` is requestedAddress's former name: the SDK passes the one given as requestedAddress.
 */
export type EastWestGatewaySpec = Omit<ParsedGateway, UnrenderedGatewayArgs | "address" | "serviceType"> & {
    namespace: string;
    networkName: string;
    /** Istio cluster ID of the gateway's cluster (the proxy reports it when it is not injected). */
    clusterId: string;
    /** How the gateway is exposed; states of releases before NodePort gateways lack it: "LoadBalancer". */
    serviceType?: ParsedGateway["serviceType"];
};

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/**
 * The proxy container and volumes that Istio's gateway injection template would produce (istio-discovery chart,
 * files/gateway-injection-template.yaml), for clusters without the injector.
 */
function uninjectedProxy(spec: EastWestGatewaySpec, image: string) {
    const mounts = [
        ["workload-socket", "/var/run/secrets/workload-spiffe-uds"],
        ["credential-socket", "/var/run/secrets/credential-uds"],
        ["workload-certs", "/var/run/secrets/workload-spiffe-credentials"],
        ["istiod-ca-cert", "/var/run/secrets/istio"],
        ["istio-data", "/var/lib/istio/data"],
        ["istio-envoy", "/etc/istio/proxy"],
        ["istio-token", "/var/run/secrets/tokens"],
        ["istio-podinfo", "/etc/istio/pod"],
    ];
    const container = {
        image,
        args: [
            "proxy",
            "router",
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--log_output_level=default:info",
        ],
        securityContext: { runAsUser: 1337, runAsGroup: 1337 },
        env: [
            { name: "PILOT_CERT_PROVIDER", value: "istiod" },
            { name: "CA_ADDR", value: `istiod.${spec.namespace}.svc:15012` },
            fieldEnv("POD_NAME", "metadata.name"),
            fieldEnv("POD_NAMESPACE", "metadata.namespace"),
            fieldEnv("INSTANCE_IP", "status.podIP"),
            fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"),
            fieldEnv("HOST_IP", "status.hostIP"),
            { name: "ISTIO_META_CLUSTER_ID", value: spec.clusterId },
            { name: "ISTIO_META_NETWORK", value: spec.networkName },
            { name: "ISTIO_META_WORKLOAD_NAME", value: eastWest.name },
            { name: "ISTIO_META_OWNER", value: `kubernetes://apis/apps/v1/namespaces/${spec.namespace}/deployments/${eastWest.name}` },
        ],
        readinessProbe: { httpGet: { path: "/healthz/ready", port: 15021 }, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 },
        volumeMounts: mounts.map(([name, mountPath]) => ({ name, mountPath })),
    };
    const volumes = [
        { name: "workload-socket", emptyDir: {} },
        { name: "credential-socket", emptyDir: {} },
        { name: "workload-certs", emptyDir: {} },
        { name: "istiod-ca-cert", configMap: { name: "istio-ca-root-cert" } },
        { name: "istio-data", emptyDir: {} },
        { name: "istio-envoy", emptyDir: { medium: "Memory" } },
        {
            name: "istio-token",
            projected: { sources: [{ serviceAccountToken: { path: "istio-token", expirationSeconds: 43200, audience: "istio-ca" } }] },
        },
        {
            name: "istio-podinfo",
            downwardAPI: {
                items: [
                    { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
                    { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
                ],
            },
        },
    ];
    return { container, volumes };
}

/**
 * ServiceAccount, Deployment, Service (LoadBalancer, or NodePort where no load balancer exists) and (replicas > 1)
 * PodDisruptionBudget, as Istio's gateway chart renders them, with one difference: the Service carries no network label, so that istiod learns the gateway from
 * meshNetworks alone, and only while its group is in the interconnect (see meshNetworks.ts).
 */
export function eastWestGatewayObjects(o: Ownership, spec: EastWestGatewaySpec): KubeObject[] {
    // The selector leaves the network out: a Deployment's selector is immutable, and the gateway keeps its
    // Deployment and Service (and so its load-balancer address) when its cluster moves to another group.
    const selector = { ...eastWest.selector, app: eastWest.name };
    const serviceType = spec.serviceType ?? "LoadBalancer";
    // The pods' network label makes the injector give the proxy its network (ISTIO_META_NETWORK).
    const gwLabels = { ...selector, [labels.network]: spec.networkName };
    const meta = (name: string, extra: Record<string, string> = gwLabels) => ownedMetadata(o, name, spec.namespace, extra);
    const inject = spec.proxyImage ? "false" : "true";
    const ports = eastWest.ports.map((p) => ({ containerPort: p.port, name: p.name, protocol: "TCP" }));
    const proxy = spec.proxyImage ? uninjectedProxy(spec, spec.proxyImage) : { container: { image: "auto" }, volumes: undefined };
    const objects: KubeObject[] = [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(eastWest.serviceAccount, selector) },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta(eastWest.name),
            spec: {
                replicas: spec.replicas,
                selector: { matchLabels: selector },
                template: {
                    metadata: {
                        labels: { ...gwLabels, "sidecar.istio.io/inject": inject },
                        annotations: {
                            ...spec.podAnnotations,
                            [injectionAnnotations.templates]: "gateway",
                            [injectionAnnotations.inject]: inject,
                        },
                    },
                    spec: {
                        serviceAccountName: eastWest.serviceAccount,
                        ...(proxy.volumes
                            ? {
                                  securityContext: { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] },
                                  volumes: proxy.volumes,
                              }
                            : {}),
                        containers: [
                            {
                                name: "istio-proxy",
                                ...proxy.container,
                                // The gateway forwards only to its own network's endpoints.
                                env: [
                                    ...((proxy.container as { env?: object[] }).env ?? []),
                                    { name: "ISTIO_META_REQUESTED_NETWORK_VIEW", value: spec.networkName },
                                ],
                                ports,
                            },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { ...meta(eastWest.name, selector), annotations: { ...spec.serviceAnnotations, ...meta(eastWest.name).annotations } },
            spec: {
                type: serviceType,
                selector,
                ports: eastWest.ports.map((p) => ({
                    name: p.name,
                    port: p.port,
                    targetPort: p.port,
                    protocol: "TCP",
                    ...(p.port === crossNetworkPort && spec.nodePort ? { nodePort: spec.nodePort } : {}),
                })),
                ...(serviceType === "LoadBalancer" && spec.requestedAddress ? { loadBalancerIP: spec.requestedAddress } : {}),
            },
        },
    ];
    if (spec.replicas > 1) {
        objects.push({
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: meta(eastWest.name, selector),
            spec: { minAvailable: 1, selector: { matchLabels: selector } },
        });
    }
    return objects;
}

/** The merge patch that rolls the control-plane Deployment once, stamped `at` (the restart's id). */
export function restartPatch(at: string) {
    return { spec: { template: { metadata: { annotations: { [annotations.restartedAt]: at } } } } };
}

/** The restart stamp on a Deployment's pod template, if any. */
export function restartStamp(deployment: KubeObject | undefined): string | undefined {
    return (deployment as any)?.spec?.template?.metadata?.annotations?.[annotations.restartedAt];
}

/** Istio's istio-reader-clusterrole rules: what istiod reads in a remote cluster (istio-discovery chart). */
const readerRules = [
    {
        apiGroups: [
            "config.istio.io",
            "security.istio.io",
            "networking.istio.io",
            "authentication.istio.io",
            "rbac.istio.io",
            "telemetry.istio.io",
            "extensions.istio.io",
        ],
        resources: ["*"],
        verbs: ["get", "list", "watch"],
    },
    {
        apiGroups: [""],
        resources: ["endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets", "configmaps"],
        verbs: ["get", "list", "watch"],
    },
    { apiGroups: ["networking.x-k8s.io", "gateway.networking.k8s.io"], resources: ["gateways"], verbs: ["get", "watch", "list"] },
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["multicluster.x-k8s.io"], resources: ["serviceexports"], verbs: ["get", "list", "watch", "create", "delete"] },
    { apiGroups: ["multicluster.x-k8s.io"], resources: ["serviceimports"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
];

/** In a remote cluster: the reader ServiceAccount istiod reads it as. Made only when Istio's installer has not. */
export function readerServiceAccount(o: Ownership, namespace: string): KubeObject {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: ownedMetadata(o, remoteAccess.serviceAccount, namespace) };
}

/** In a remote cluster: the read-only ClusterRole, its binding to the reader, and the reader's token Secret. */
export function readerAccessObjects(o: Ownership, namespace: string, rotation = ""): KubeObject[] {
    const role = remoteAccess.clusterRole(o.meshId);
    const tokenMeta = ownedMetadata(o, remoteAccess.tokenSecret(o.meshId, rotation), namespace);
    return [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: ownedMetadata(o, role, undefined),
            rules: readerRules,
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: ownedMetadata(o, role, undefined),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
            subjects: [{ kind: "ServiceAccount", name: remoteAccess.serviceAccount, namespace }],
        },
        {
            apiVersion: "v1",
            kind: "Secret",
            type: "kubernetes.io/service-account-token",
            metadata: {
                ...tokenMeta,
                annotations: { ...tokenMeta.annotations, [annotations.serviceAccountName]: remoteAccess.serviceAccount },
            },
        },
    ];
}

/**
 * A kubeconfig that reads a remote cluster with the reader's token, as `istioctl create-remote-secret` writes it
 * (istiod refuses exec plugins and credential files in remote secrets).
 */
export function remoteKubeconfig(clusterId: string, server: string, caData: string, token: string, tlsServerName?: string): string {
    const cluster = {
        server,
        ...(caData ? { "certificate-authority-data": caData } : {}),
        ...(tlsServerName ? { "tls-server-name": tlsServerName } : {}),
    };
    return YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterId, cluster }],
        users: [{ name: clusterId, user: { token } }],
        contexts: [{ name: clusterId, context: { cluster: clusterId, user: clusterId } }],
        "current-context": clusterId,
    });
}

/**
 * In a cluster of a group stack: the hub record (an empty ConfigMap the hub annotates while it reads the cluster),
 * and a Role and binding that let the reader read and patch that one object (verbs the stack's user holds itself,
 * as Kubernetes requires of whoever grants them). Made with the reader, so that the group stack
 * can refuse to take the cluster away while a hub still reads it.
 */
export function hubRecordObjects(o: Ownership, namespace: string): KubeObject[] {
    const name = remoteAccess.hubRecord(o.meshId);
    return [
        { apiVersion: "v1", kind: "ConfigMap", metadata: ownedMetadata(o, name, namespace) },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: ownedMetadata(o, name, namespace),
            rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [name], verbs: ["get", "patch"] }],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: ownedMetadata(o, name, namespace),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", name: remoteAccess.serviceAccount, namespace }],
        },
    ];
}

/** On the control-plane cluster: the remote secret istiod discovers the cluster `clusterId` by. */
export function remoteSecret(o: Ownership, namespace: string, clusterId: string, kubeconfig: string, rotation = ""): KubeObject {
    const meta = ownedMetadata(o, remoteAccess.remoteSecret(clusterId), namespace, { [labels.multiCluster]: "true" });
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
            ...meta,
            annotations: {
                ...meta.annotations,
                [annotations.istioCluster]: clusterId,
                ...(rotation ? { [annotations.rotation]: rotation } : {}),
            },
        },
        data: { [clusterId]: Buffer.from(kubeconfig).toString("base64") },
    };
}
