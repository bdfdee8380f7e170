// The network an install's sidecar injector gives Pods, read as istiod's injector reads it (pkg/kube/inject).
import { injectionPathNetwork, injectorNetworks, InjectorWebhooks } from "../../core/injection";

test.each([
    ["/inject", undefined],
    ["/inject/", undefined],
    ["/inject/net/network2", "network2"],
    ["/inject/cluster/cluster2/net/network2", "network2"],
    ["/inject/net/network2/cluster/cluster2", "network2"],
    ["/inject/cluster/cluster2", undefined],
    ["/inject/cluster/c/net", undefined], // an odd entry is ignored
    ["/inject/:ENV:cluster=c2:ENV:net=n2", "n2"],
])("path %s gives network %s", (path, network) => {
    expect(injectionPathNetwork(path)).toBe(network);
});

const webhooks = (name: string, path: string, rev?: string): InjectorWebhooks => ({
    metadata: { name, labels: rev ? { "istio.io/rev": rev } : {} },
    webhooks: [
        { name: "rev.namespace.sidecar-injector.istio.io", clientConfig: { service: { path } } },
        { name: "unrelated.example.com", clientConfig: { service: { path: "/inject/net/other" } } },
    ],
});

test("the path's network wins over the values of the webhook's revision; an install without either gives none", () => {
    const values = (cm: string) =>
        cm === "istio-sidecar-injector" ? { network: "network1", source: `ConfigMap istio-system/${cm} values.global.network` } : undefined;
    expect(injectorNetworks([webhooks("istio-sidecar-injector", "/inject")], values)).toEqual([
        { source: "ConfigMap istio-system/istio-sidecar-injector values.global.network", network: "network1" },
    ]);
    expect(injectorNetworks([webhooks("istio-sidecar-injector", "/inject/cluster/c2/net/west")], values)).toEqual([
        { source: "MutatingWebhookConfiguration istio-sidecar-injector (path /inject/cluster/c2/net/west)", network: "west" },
    ]);
    // A revision's webhook reads its revision's ConfigMap, which this install lacks.
    expect(injectorNetworks([webhooks("istio-sidecar-injector-canary", "/inject", "canary")], values)).toEqual([]);
    expect(injectorNetworks([webhooks("istio-sidecar-injector", "/inject")], () => ({ network: undefined, source: "x" }))).toEqual([]);
});
