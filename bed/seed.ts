// What every bed cluster holds before a test starts: Istio as if installed. Cluster 1 hosts the control plane.

const gatewayCrdVersion = (name: string, storage: boolean) => ({
    name,
    served: true,
    storage,
    schema: {
        openAPIV3Schema: {
            type: "object",
            properties: {
                spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
        },
    },
    subresources: { status: {} },
});

export const istioSystemNamespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "istio-system" } };

export const gatewayCrd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "gateways.networking.istio.io" },
    spec: {
        group: "networking.istio.io",
        names: { kind: "Gateway", listKind: "GatewayList", plural: "gateways", singular: "gateway", shortNames: ["gw"] },
        scope: "Namespaced",
        versions: [gatewayCrdVersion("v1", true), gatewayCrdVersion("v1beta1", false), gatewayCrdVersion("v1alpha3", false)],
    },
};

export const istioMeshConfig = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "istio", namespace: "istio-system", labels: { app: "istiod", "istio.io/rev": "default" } },
    data: { mesh: "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nrootNamespace: istio-system\ntrustDomain: cluster.local\n" },
};

export function istiodDeployment(clusterName: string) {
    const labels = { app: "istiod", istio: "pilot" };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "istiod", namespace: "istio-system", labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    serviceAccountName: "istiod",
                    containers: [
                        {
                            name: "discovery",
                            image: "docker.io/istio/pilot:1.28.0",
                            args: ["discovery"],
                            env: [{ name: "CLUSTER_ID", value: clusterName }],
                        },
                    ],
                },
            },
        },
    };
}
