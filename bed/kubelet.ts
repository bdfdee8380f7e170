// The kubelet of the bed's one node, for istiod. In a real cluster a pod's port is reached through the API server
// (pods/portforward), which calls the kubelet of the pod's node: so istioctl reaches istiod, and so does anything
// that talks to istiod as istioctl does. With istiod, the bed registers a Node on cluster 1 whose InternalIP and
// kubelet port are a small kubelet (bed/go/kubelet: Kubernetes' own port-forward code, no other endpoint), and puts
// the istiod Pod on it (the seeded Deployment's pod template), whose ports that kubelet forwards to the istiod
// process on loopback. The Pod is Running, and Ready while istiod is (the controllers process keeps it so).
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { IstiodState, podName, readStarts } from "./istiod";
import { bedApply, Endpoint, kubeRequest } from "./kubeapi";
import { runDir } from "./paths";
import { startProcess } from "./procs";
import { istiodDeployment } from "./seed";

export const processName = "kubelet";
export const nodeName = "bed-node-1";
/** The Node's InternalIP, where the API server reaches the kubelet (--kubelet-preferred-address-types=InternalIP). */
const nodeIP = "127.0.0.1";
/** The istiod Pod's IP, in cluster 1's pod range (as `bed sample`'s): data only, nothing is sent there. */
const podIP = "10.1.0.2";
const podPath = `/api/v1/namespaces/istio-system/pods/${podName}`;
const podsFile = path.join(runDir, "kubelet-pods.json");
const pki = path.join(runDir, "pki");

export interface KubeletState {
    /** The kubelet's port on 127.0.0.1 (the Node's status.daemonEndpoints.kubeletEndpoint.Port). */
    port: number;
}

/** Writes the kubelet's pod map (every port istiod listens on in a real pod) and starts the kubelet. */
export function startKubelet(bin: string, kubelet: KubeletState, istiod: IstiodState): void {
    const at = (port: number) => `${nodeIP}:${port}`;
    const ports = {
        8080: at(istiod.ports.http),
        15010: at(istiod.ports.grpc),
        15012: at(istiod.ports.secureGrpc),
        15014: at(istiod.ports.monitoring),
        15017: at(istiod.ports.https),
        9876: at(istiod.ports.ctrlz),
    };
    fs.writeFileSync(podsFile, JSON.stringify({ [`istio-system/${podName}`]: ports }, null, 2));
    startProcess(processName, bin, [
        `-listen=${at(kubelet.port)}`,
        `-tls-cert-file=${pki}/kubelet.crt`,
        `-tls-private-key-file=${pki}/kubelet.key`,
        `-client-ca-file=${pki}/ca.crt`,
        `-pods=${podsFile}`,
    ]);
}

/** Whether the kubelet serves (its /healthz, with the API server's kubelet client certificate). */
export function kubeletServing(kubelet: KubeletState): Promise<boolean> {
    return new Promise((resolve) => {
        const req = https.get(
            `https://${nodeIP}:${kubelet.port}/healthz`,
            {
                ca: fs.readFileSync(path.join(pki, "ca.crt")),
                cert: fs.readFileSync(path.join(pki, "apiserver-kubelet-client.crt")),
                key: fs.readFileSync(path.join(pki, "apiserver-kubelet-client.key")),
                timeout: 5_000,
            },
            (res) => {
                res.resume();
                resolve(res.statusCode === 200);
            },
        );
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(false));
    });
}

/** Registers the Node, Ready, as its kubelet would: its address and kubelet port are what the API server dials. */
export async function registerNode(ep: Endpoint, kubelet: KubeletState): Promise<void> {
    await bedApply(ep, "/api/v1/nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: nodeName, labels: { "kubernetes.io/hostname": nodeName, "kubernetes.io/os": "linux" } },
    });
    const now = new Date().toISOString();
    await patchStatus(ep, `/api/v1/nodes/${nodeName}/status`, {
        addresses: [
            { type: "InternalIP", address: nodeIP },
            { type: "Hostname", address: nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
        conditions: [
            {
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                message: "kubelet is posting ready status",
                lastHeartbeatTime: now,
                lastTransitionTime: now,
            },
        ],
    });
}

/** Creates the istiod Pod from the Deployment's pod template on the bed's node, Running but not yet Ready. */
export async function createIstiodPod(ep: Endpoint, clusterId: string): Promise<void> {
    const template = istiodDeployment(clusterId).spec.template;
    await bedApply(ep, "/api/v1/namespaces/istio-system/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { ...template.metadata, name: podName, namespace: "istio-system" },
        spec: { ...template.spec, nodeName },
    });
    await reportIstiodPod(ep, false);
}

/** The istiod Pod's Ready condition, or undefined when there is no such Pod. */
export async function istiodPodReady(ep: Endpoint): Promise<boolean | undefined> {
    const r = await kubeRequest(ep, "GET", podPath);
    if (r.status !== 200) return undefined;
    return r.body.status?.conditions?.find((c: any) => c.type === "Ready")?.status === "True";
}

/** Reports the istiod Pod's status as a kubelet would, when its readiness is not `ready` yet. */
export async function reportIstiodPod(ep: Endpoint, ready: boolean): Promise<void> {
    const r = await kubeRequest(ep, "GET", podPath).catch(() => undefined); // cluster 1 stopped: the next round
    if (r?.status !== 200) return; // no Pod: the bed runs without istiod, or someone deleted it
    const pod = r.body;
    const current = pod.status?.conditions?.find((c: any) => c.type === "Ready");
    if (pod.status?.phase === "Running" && current && (current.status === "True") === ready) return;
    const created = pod.metadata.creationTimestamp;
    const now = new Date().toISOString();
    const condition = (type: string, status: boolean, since: string) => ({
        type,
        status: status ? "True" : "False",
        lastTransitionTime: since,
    });
    const container = pod.spec.containers[0];
    await patchStatus(ep, `${podPath}/status`, {
        phase: "Running",
        hostIP: nodeIP,
        hostIPs: [{ ip: nodeIP }],
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: created,
        conditions: [
            condition("PodReadyToStartContainers", true, created),
            condition("Initialized", true, created),
            condition("Ready", ready, now),
            condition("ContainersReady", ready, now),
            condition("PodScheduled", true, created),
        ],
        containerStatuses: [
            {
                name: container.name,
                image: container.image,
                imageID: "",
                ready,
                started: true,
                restartCount: 0,
                state: { running: { startedAt: readStarts()?.startedAt ?? created } },
            },
        ],
    });
}

async function patchStatus(ep: Endpoint, apiPath: string, status: object): Promise<void> {
    const r = await kubeRequest(ep, "PATCH", apiPath, { status }, "application/merge-patch+json");
    if (r.status >= 300) throw new Error(`PATCH ${apiPath}: ${r.status} ${JSON.stringify(r.body)}`);
}
