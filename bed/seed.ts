// What every bed cluster holds before a test starts: Istio as if installed. Every cluster gets the Istio
// namespace, Istio's real CRDs (from the same istio.io/istio module as the bed's istiod) and the sidecar
// injector's webhook configuration as the default revision renders it; cluster 1 hosts the control plane (the
// mesh ConfigMap and the `istiod` Deployment whose pod template the bed watches).
import * as fs from "fs";
import * as YAML from "yaml";

export const istioSystemNamespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "istio-system" } };

/** Istio's CustomResourceDefinitions, one object per document of crd-all.gen.yaml. */
export function istioCrds(file: string): any[] {
    return YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))
        .map((d) => d.toJSON())
        .filter((o) => o?.kind === "CustomResourceDefinition");
}

export const istioMeshConfig = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "istio", namespace: "istio-system", labels: { app: "istiod", "istio.io/rev": "default" } },
    data: {
        mesh: "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nrootNamespace: istio-system\ntrustDomain: cluster.local\n",
    },
};

/** The ServiceAccount istiod's pods run as (the Pod's admission needs it). */
export const istiodServiceAccount = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "istiod", namespace: "istio-system", labels: { app: "istiod", "istio.io/rev": "default" } },
};

/** The container ports of istiod, as the istio-discovery chart declares them. */
export const istiodContainerPorts = [
    { containerPort: 8080, protocol: "TCP", name: "http-debug" },
    { containerPort: 15010, protocol: "TCP", name: "grpc-xds" },
    { containerPort: 15012, protocol: "TCP", name: "tls-xds" },
    { containerPort: 15017, protocol: "TCP", name: "https-webhooks" },
    { containerPort: 15014, protocol: "TCP", name: "http-monitoring" },
];

export function istiodDeployment(clusterId: string) {
    const selector = { app: "istiod", istio: "pilot" };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "istiod", namespace: "istio-system", labels: selector },
        spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: {
                // As the chart renders them: istioctl finds istiod's pods by app and revision, and reads the monitoring
                // port from the prometheus annotation; the injector leaves them alone.
                metadata: {
                    labels: { ...selector, "istio.io/rev": "default", "sidecar.istio.io/inject": "false" },
                    annotations: { "prometheus.io/port": "15014", "prometheus.io/scrape": "true", "sidecar.istio.io/inject": "false" },
                },
                spec: {
                    serviceAccountName: "istiod",
                    containers: [
                        {
                            name: "discovery",
                            image: "docker.io/istio/pilot:1.31.0",
                            args: ["discovery"],
                            env: [{ name: "CLUSTER_ID", value: clusterId }],
                            ports: istiodContainerPorts,
                        },
                    ],
                },
            },
        },
    };
}

/**
 * The `istiod` Service every install has (on remote clusters it points at the control plane); the injector's
 * webhook refers to it. istiod runs out of cluster on the bed, so the Service has no endpoints.
 */
export const istiodService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istiod", namespace: "istio-system", labels: { app: "istiod", istio: "pilot" } },
    spec: {
        ports: [
            { name: "grpc-xds", port: 15010, targetPort: 15010 },
            { name: "https-dns", port: 15012, targetPort: 15012 },
            { name: "https-webhook", port: 443, targetPort: 15017 },
            { name: "http-monitoring", port: 15014, targetPort: 15014 },
        ],
        selector: { app: "istiod" },
    },
};

const notFalse = { key: "sidecar.istio.io/inject", operator: "NotIn", values: ["false"] };
const absent = (key: string) => ({ key, operator: "DoesNotExist" });

/**
 * The injector's webhooks as Istio's istio-discovery chart renders them for the default revision (names and
 * selectors; `istioctl analyze` and pulumi-multinet's gateway check read them). Nothing on the bed creates a pod
 * they select, so the webhook is never called.
 */
export function injectorWebhook() {
    const hook = (prefix: string, namespaceSelector: object, objectSelector: object) => ({
        name: `${prefix}sidecar-injector.istio.io`,
        clientConfig: { service: { name: "istiod", namespace: "istio-system", path: "/inject", port: 443 } },
        sideEffects: "None",
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        admissionReviewVersions: ["v1"],
        namespaceSelector,
        objectSelector,
    });
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        metadata: { name: "istio-sidecar-injector", labels: { app: "sidecar-injector", "istio.io/rev": "default" } },
        webhooks: [
            hook(
                "rev.namespace.",
                { matchExpressions: [{ key: "istio.io/rev", operator: "In", values: ["default"] }, absent("istio-injection")] },
                { matchExpressions: [notFalse] },
            ),
            hook(
                "rev.object.",
                { matchExpressions: [absent("istio.io/rev"), absent("istio-injection")] },
                { matchExpressions: [notFalse, { key: "istio.io/rev", operator: "In", values: ["default"] }] },
            ),
            hook(
                "namespace.",
                { matchExpressions: [{ key: "istio-injection", operator: "In", values: ["enabled"] }] },
                { matchExpressions: [notFalse] },
            ),
            hook(
                "object.",
                { matchExpressions: [absent("istio-injection"), absent("istio.io/rev")] },
                { matchExpressions: [{ key: "sidecar.istio.io/inject", operator: "In", values: ["true"] }, absent("istio.io/rev")] },
            ),
        ],
    };
}
