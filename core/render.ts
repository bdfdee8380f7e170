// Pure rendering: the Kubernetes objects that realise each concept, as server-side-apply bodies.
import { annotations, crossNetworkPort, eastWest, gatewayRuleName, labels, managedByValue } from "./names";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
    [key: string]: unknown;
}

/** Identity of the writer: stack and mesh. Stored on every object; compared before any write. */
export interface Ownership {
    meshId: string;
    owner: string;
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
        servers: [{ port: { number: crossNetworkPort, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
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

export interface EastWestGatewaySpec {
    namespace: string;
    network: string;
    replicas: number;
    serviceAnnotations: Record<string, string>;
    /** User-requested load-balancer address. */
    address?: string;
}

/** ServiceAccount, Deployment, Service and (replicas > 1) PodDisruptionBudget, as Istio's gateway chart renders them. */
export function eastWestGatewayObjects(o: Ownership, spec: EastWestGatewaySpec): KubeObject[] {
    // The selector leaves the network out: a Deployment's selector is immutable, and the gateway keeps its
    // Deployment and Service (and so its load-balancer address) when its cluster moves to another group.
    const selector = { ...eastWest.selector, app: eastWest.name };
    const gwLabels = { ...selector, [labels.network]: spec.network };
    const meta = (name: string) => ownedMetadata(o, name, spec.namespace, gwLabels);
    const objects: KubeObject[] = [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(eastWest.serviceAccount) },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta(eastWest.name),
            spec: {
                replicas: spec.replicas,
                selector: { matchLabels: selector },
                template: {
                    metadata: {
                        labels: { ...gwLabels, "sidecar.istio.io/inject": "true" },
                        annotations: { "inject.istio.io/templates": "gateway", "sidecar.istio.io/inject": "true" },
                    },
                    spec: {
                        serviceAccountName: eastWest.serviceAccount,
                        containers: [
                            {
                                name: "istio-proxy",
                                image: "auto",
                                env: [{ name: "ISTIO_META_REQUESTED_NETWORK_VIEW", value: spec.network }],
                                ports: eastWest.ports.map((p) => ({ containerPort: p.port, name: p.name, protocol: "TCP" })),
                            },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { ...meta(eastWest.name), annotations: { ...spec.serviceAnnotations, ...meta(eastWest.name).annotations } },
            spec: {
                type: "LoadBalancer",
                selector,
                ports: eastWest.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" })),
                ...(spec.address ? { loadBalancerIP: spec.address } : {}),
            },
        },
    ];
    if (spec.replicas > 1) {
        objects.push({
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: meta(eastWest.name),
            spec: { minAvailable: 1, selector: { matchLabels: selector } },
        });
    }
    return objects;
}

/** The pod-template annotation patch that rolls the control-plane Deployment once. */
export function restartPatch(deployment: string, namespace: string, at: string): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: deployment, namespace },
        spec: { template: { metadata: { annotations: { [annotations.restartedAt]: at } } } },
    };
}
