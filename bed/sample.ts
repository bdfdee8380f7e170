// `bed sample`: the workload istiod serves in every cluster, written the way a kubelet and the EndpointSlice
// controller would leave it. Service `helloworld` (namespace `sample`, port 5000) with two Ready Pods per cluster
// (label security.istio.io/tlsMode=istio, as injected Pods carry) and their EndpointSlice. Pod IPs are distinct per
// cluster: cluster N's Pods are 10.N.0.10 and 10.N.0.11.
import type { BedCluster, BedState } from "./state";
import { bedApply, Endpoint, kubeRequest } from "./kubeapi";

export const sample = { namespace: "sample", service: "helloworld", port: 5000, host: "helloworld.sample.svc.cluster.local" } as const;

/** The Pod IPs `bed sample` gives cluster `index`. */
export function samplePodIps(index: number): string[] {
    return [`10.${index}.0.10`, `10.${index}.0.11`];
}

async function sampleIn(ep: Endpoint, cluster: BedCluster): Promise<void> {
    const ns = sample.namespace;
    const labels = { app: sample.service, version: "v1" };
    await bedApply(ep, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    // The ServiceAccount admission plugin refuses Pods until the namespace has its `default` account.
    await bedApply(ep, `/api/v1/namespaces/${ns}/serviceaccounts`, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: ns },
    });
    await bedApply(ep, `/api/v1/namespaces/${ns}/services`, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: sample.service, namespace: ns, labels: { app: sample.service } },
        spec: { selector: { app: sample.service }, ports: [{ name: "http", port: sample.port, targetPort: sample.port, protocol: "TCP" }] },
    });
    const ips = samplePodIps(cluster.index);
    const pods = ips.map((ip, i) => ({ ip, name: `${sample.service}-v1-${String.fromCharCode(97 + i)}` }));
    for (const pod of pods) {
        await bedApply(ep, `/api/v1/namespaces/${ns}/pods`, {
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
                name: pod.name,
                namespace: ns,
                labels: { ...labels, "security.istio.io/tlsMode": "istio", "service.istio.io/canonical-name": sample.service },
            },
            spec: {
                containers: [
                    { name: sample.service, image: "docker.io/istio/examples-helloworld-v1:1.0", ports: [{ containerPort: sample.port }] },
                ],
            },
        });
        const now = new Date().toISOString();
        const status = {
            phase: "Running",
            podIP: pod.ip,
            podIPs: [{ ip: pod.ip }],
            hostIP: "192.0.2.1",
            startTime: now,
            conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({
                type,
                status: "True",
                lastTransitionTime: now,
            })),
        };
        const r = await kubeRequest(
            ep,
            "PATCH",
            `/api/v1/namespaces/${ns}/pods/${pod.name}/status`,
            { status },
            "application/merge-patch+json",
        );
        if (r.status >= 300) throw new Error(`pod ${pod.name} status: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await bedApply(ep, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
            name: `${sample.service}-bed`,
            namespace: ns,
            labels: { "kubernetes.io/service-name": sample.service, "endpointslice.kubernetes.io/managed-by": "multinet-bed" },
        },
        addressType: "IPv4",
        ports: [{ name: "http", port: sample.port, protocol: "TCP" }],
        endpoints: pods.map((p) => ({
            addresses: [p.ip],
            conditions: { ready: true, serving: true, terminating: false },
            targetRef: { kind: "Pod", name: p.name, namespace: ns },
        })),
    });
}

/** Puts the sample in every cluster of the bed. Idempotent. */
export async function putSample(state: BedState, endpointOf: (c: BedCluster) => Endpoint, clusters = state.clusters): Promise<void> {
    await Promise.all(
        clusters.map((c) => sampleIn(endpointOf(c), c).catch((e) => Promise.reject(new Error(`sample on ${c.name}: ${e.message}`)))),
    );
}
