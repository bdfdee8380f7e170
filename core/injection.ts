// Will Istio's sidecar injector turn the gateway's `image: auto` into a proxy? The same rule `istioctl analyze`
// applies (IST0146, pkg/config/analysis/analyzers/injection/image-auto.go in Istio): some mutating webhook whose name
// ends in "istio.io" selects both the pod's namespace and the pod by their labels.

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export interface MutatingWebhookConfiguration {
    metadata: { name: string };
    webhooks?: { name: string; namespaceSelector?: LabelSelector; objectSelector?: LabelSelector }[];
}

/** Kubernetes label-selector semantics; an absent selector selects everything. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const inValues = has && (e.values ?? []).includes(labels[e.key]);
        const ok = e.operator === "In" ? inValues : e.operator === "NotIn" ? !inValues : e.operator === "Exists" ? has : !has;
        if (!ok) return false;
    }
    return true;
}

/** The name of an Istio injector webhook that would inject pods with these labels in that namespace, if any. */
export function injectorFor(
    configs: MutatingWebhookConfiguration[],
    namespaceLabels: Record<string, string>,
    podLabels: Record<string, string>,
): string | undefined {
    for (const c of configs) {
        for (const w of c.webhooks ?? []) {
            if (w.name.endsWith("istio.io") && selects(w.namespaceSelector, namespaceLabels) && selects(w.objectSelector, podLabels))
                return `${c.metadata.name}/${w.name}`;
        }
    }
    return undefined;
}

/** An Istio injector webhook configuration as the network rule reads it: where each webhook sends pods. */
export interface InjectorWebhooks {
    metadata: { name: string; labels?: Record<string, string> };
    webhooks?: { name: string; clientConfig?: { url?: string; service?: { path?: string } } }[];
}

/**
 * The network an injection path sets (`/inject/net/<network>`, `/inject/cluster/<id>/net/<network>`, in any order;
 * or the older `/inject/:ENV:net=<network>`), as istiod's injector parses it (pkg/kube/inject/webhook.go,
 * parseInjectEnvs); undefined when it sets none.
 */
export function injectionPathNetwork(path: string): string | undefined {
    const rest = path.replace(/^\/inject\/?/, "").replace(/\/$/, "");
    if (rest.startsWith(":ENV:")) return /(?:^|:ENV:)net=([^:]*)/.exec(rest)?.[1] || undefined;
    const parts = rest.split("/").filter((p) => p !== "");
    for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === "net") return parts[i + 1].replace(/--slash--/g, "/") || undefined;
    return undefined;
}

/** The injector ConfigMap of a webhook configuration's revision (istio-sidecar-injector, or -<revision>). */
export function injectorConfigMapOf(config: InjectorWebhooks): string {
    const rev = config.metadata.labels?.["istio.io/rev"];
    return !rev || rev === "default" ? "istio-sidecar-injector" : `istio-sidecar-injector-${rev}`;
}

/**
 * The networks a cluster's sidecar injectors give Pods, each with where it is set: the `net` of an Istio injector
 * webhook's path wins over the `values.global.network` of the injector's ConfigMap (pkg/kube/inject/inject.go,
 * extractClusterAndNetwork). `values` maps a ConfigMap name to its network: the cluster's own, else the control
 * plane's (a remote cluster's Pods are injected by the control plane's istiod with its values). A Pod's own
 * network label would win over both; the rule is about the install.
 */
export function injectorNetworks(
    configs: InjectorWebhooks[],
    values: (configMap: string) => { network?: string; source: string } | undefined,
): { source: string; network: string }[] {
    const found = new Map<string, string>();
    for (const c of configs) {
        for (const w of c.webhooks ?? []) {
            if (!w.name.endsWith("sidecar-injector.istio.io")) continue;
            const path = w.clientConfig?.service?.path ?? (w.clientConfig?.url ? new URL(w.clientConfig.url).pathname : "/inject");
            const fromPath = injectionPathNetwork(path);
            if (fromPath) found.set(`MutatingWebhookConfiguration ${c.metadata.name} (path ${path})`, fromPath);
            else {
                const v = values(injectorConfigMapOf(c));
                if (v?.network) found.set(v.source, v.network);
            }
        }
    }
    return [...found].map(([source, network]) => ({ source, network }));
}
