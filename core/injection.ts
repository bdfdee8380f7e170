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
