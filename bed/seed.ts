// What every bed cluster holds before a test starts: Istio as if installed. Every cluster gets the Istio
// namespace, Istio's real CRDs (from the same istio.io/istio module as the bed's istiod) and the sidecar
// injector's webhook configuration as the default revision renders it; cluster 1 hosts the control plane (the
// mesh ConfigMap and the `istiod` Deployment whose pod template the bed watches). seedCluster puts it there.
import * as fs from "fs";
import * as YAML from "yaml";
import { bedApply, Endpoint, KubeError, kubeRequest } from "./kubeapi";
import { sleep, waitFor } from "./procs";

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
                            // EXTERNAL_ISTIOD: as a primary-remote install runs it, so that it serves remote clusters.
                            env: [
                                { name: "CLUSTER_ID", value: clusterId },
                                { name: "EXTERNAL_ISTIOD", value: "true" },
                            ],
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

/**
 * The injector's ConfigMap on the control-plane cluster, as the istio-discovery chart renders it for a default
 * install (istiod-injector-configmap.yaml): `values` (JSON; its global.network is the network the injector gives
 * Pods: none here, as installs made without Istio's multi-network guide have it) and `config` (the injection
 * policy; the bed's istiod is never asked to inject, so its templates stay empty). Remote clusters, installed with
 * the remote profile, have none: their Pods are injected with these values unless their webhook's path names a
 * network (see injectorWebhook).
 */
export function injectorConfigMap(clusterId: string, network = "") {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
            name: "istio-sidecar-injector",
            namespace: "istio-system",
            labels: { app: "sidecar-injector", "istio.io/rev": "default" },
        },
        data: {
            values: JSON.stringify(
                { global: { meshID: "", multiCluster: { clusterName: clusterId }, network }, revision: "", sidecarInjectorWebhook: {} },
                null,
                2,
            ),
            config: 'policy: enabled\nalwaysInjectSelector: []\nneverInjectSelector: []\ninjectedAnnotations: {}\ndefaultTemplates: [sidecar]\ntemplates:\n  sidecar: ""\n  gateway: ""\n',
        },
    };
}

/**
 * What the remote profile adds on a remote cluster so that the primary's istiod can serve it (reader-clusterrole.yaml
 * with istiodRemote.enabled): write access for the reader to ConfigMaps (istiod's root certificate in every namespace)
 * and the webhook configurations (their CA bundle), bound to the reader ServiceAccount whoever makes it; and the
 * annotation that has istiod (run with EXTERNAL_ISTIOD) lead that cluster (pilot/pkg/serviceregistry/kube/controller/
 * multicluster.go, checkShouldLead).
 */
export function remoteProfileObjects(controlPlaneId: string) {
    const name = "istio-reader-clusterrole-istio-system";
    return {
        role: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name, labels: { app: "istio-reader" } },
            rules: [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "get", "list", "watch", "update"] },
                {
                    apiGroups: ["admissionregistration.k8s.io"],
                    resources: ["mutatingwebhookconfigurations"],
                    verbs: ["get", "list", "watch", "update", "patch"],
                },
                {
                    apiGroups: ["admissionregistration.k8s.io"],
                    resources: ["validatingwebhookconfigurations"],
                    verbs: ["get", "list", "watch", "update"],
                },
            ],
        },
        binding: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name, labels: { app: "istio-reader" } },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
            subjects: [{ kind: "ServiceAccount", name: "istio-reader-service-account", namespace: "istio-system" }],
        },
        namespaceAnnotation: { "topology.istio.io/controlPlaneClusters": controlPlaneId },
    };
}

/** The bed's own knob: a load balancer that reports this hostname (a cloud's DNS name) rather than an address. */
export const hostnameAnnotation = "bed.multinet.example/load-balancer-hostname";

/**
 * Retries one seeding request while the API server is loaded (a timeout, a reset or refused connection, 429 or
 * 5xx), with a bounded backoff: API servers started together on few cores answer slowly for a while, not wrongly.
 */
async function whileLoaded<T>(what: string, attempt: () => Promise<T>, tries = 6): Promise<T> {
    const started = Date.now();
    for (let i = 1; ; i++) {
        try {
            return await attempt();
        } catch (e) {
            const status = e instanceof KubeError ? e.status : undefined;
            const loaded = status === undefined || status === 429 || status >= 500;
            if (!loaded || i >= tries) {
                const after = loaded
                    ? ` (tried ${i} times over ${((Date.now() - started) / 1000).toFixed(0)} s: the machine is overloaded; ` +
                      `start fewer clusters, or smaller waves with MULTINET_BED_WAVE)`
                    : "";
                throw new Error(`${what}: ${(e as Error).message}${after}`, { cause: e });
            }
            await sleep(Math.min(500 * 2 ** (i - 1), 8000));
        }
    }
}

/** `work` on every item, at most `size` at a time. */
async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
    for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * Seeds bed cluster `cluster` (reached at `ep` as the bed) as an Istio install: `crds` (istioCrds) and the injector
 * everywhere, the remote profile on clusters other than 1, the control plane (istiod with CLUSTER_ID
 * `controlPlaneId`) on cluster 1; done when the API server serves Istio's kinds.
 */
export async function seedCluster(
    ep: Endpoint,
    cluster: { index: number; name: string },
    crds: any[],
    controlPlaneId: string,
): Promise<void> {
    const apply = (obj: any, apiPath: string) => whileLoaded(`seeding ${cluster.name}`, () => bedApply(ep, apiPath, obj));
    await apply(istioSystemNamespace, "/api/v1/namespaces");
    // A few at a time: each new CRD has the API server rebuild its OpenAPI and discovery, the costly part of seeding.
    await inBatches(crds, 4, (crd) => apply(crd, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"));
    await apply(injectorWebhook(), "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations");
    await apply(istiodService, "/api/v1/namespaces/istio-system/services");
    if (cluster.index !== 1) {
        const remote = remoteProfileObjects(controlPlaneId);
        await apply(remote.role, "/apis/rbac.authorization.k8s.io/v1/clusterroles");
        await apply(remote.binding, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
        await apply(
            { ...istioSystemNamespace, metadata: { ...istioSystemNamespace.metadata, annotations: remote.namespaceAnnotation } },
            "/api/v1/namespaces",
        );
    }
    if (cluster.index === 1) {
        await apply(injectorConfigMap(controlPlaneId), "/api/v1/namespaces/istio-system/configmaps");
        await apply(istioMeshConfig, "/api/v1/namespaces/istio-system/configmaps");
        await apply(istiodServiceAccount, "/api/v1/namespaces/istio-system/serviceaccounts");
        await apply(istiodDeployment(controlPlaneId), "/apis/apps/v1/namespaces/istio-system/deployments");
    }
    await waitFor(
        `Istio's CRDs on ${cluster.name}`,
        60_000,
        async () => (await kubeRequest(ep, "GET", "/apis/networking.istio.io/v1/gateways")).status === 200,
    );
}
