// Whether the bed runs: `healthy` (every process up and every API server ready; `up` reuses such a bed) and
// `status`, the line per process that `npm run bed -- status` prints and the tests' global setup reads.
import * as fs from "fs";
import { istiodReady, podName as istiodPodName, processName as istiodProcess, readStarts } from "./istiod";
import { apiServerReady } from "./kubeapi";
import { istiodPodReady, kubeletServing, nodeName, processName as kubeletProcess } from "./kubelet";
import { lbPausedFlag } from "./paths";
import { pidOf } from "./procs";
import { apiServerProcess } from "./servers";
import { bedEndpoint, BedState, readState } from "./state";

/** True when every process of the bed runs and every API server is ready. */
export async function healthy(state: BedState | undefined = readState()): Promise<boolean> {
    if (!state) return false;
    if (pidOf("etcd") === undefined || pidOf("controllers") === undefined) return false;
    if (state.istiod && !(await istiodReady(state.istiod))) return false;
    if (state.kubelet && pidOf(kubeletProcess) === undefined) return false;
    for (const c of state.clusters) {
        if (pidOf(apiServerProcess(c.index)) === undefined) return false;
        if (!(await apiServerReady(bedEndpoint(state, c)))) return false;
    }
    return true;
}

export async function status(): Promise<string> {
    const state = readState();
    if (!state) return "down";
    const lines = [
        `etcd pid ${pidOf("etcd") ?? "-"} (127.0.0.1:${state.etcdPort})`,
        `controllers pid ${pidOf("controllers") ?? "-"}${fs.existsSync(lbPausedFlag) ? " (load balancer paused)" : ""}`,
    ];
    if (state.istiod) {
        const starts = readStarts();
        const ready = await istiodReady(state.istiod);
        lines.push(
            `istiod pid ${pidOf(istiodProcess) ?? "-"} ${ready ? "ready" : "NOT READY"} CLUSTER_ID ${state.istiod.clusterId} ` +
                `starts ${starts?.starts ?? 0} (last ${starts?.startedAt ?? "-"}) debug http://127.0.0.1:${state.istiod.ports.monitoring} xDS 127.0.0.1:${state.istiod.ports.grpc}`,
        );
    }
    if (state.kubelet) {
        const serving = await kubeletServing(state.kubelet);
        const podReady = await istiodPodReady(bedEndpoint(state, state.clusters[0])).catch(() => undefined);
        const pod = podReady === undefined ? "missing" : podReady ? "Ready" : "NOT READY";
        lines.push(
            `kubelet pid ${pidOf(kubeletProcess) ?? "-"} ${serving ? "serving" : "NOT SERVING"} https://127.0.0.1:${state.kubelet.port} ` +
                `node ${nodeName} on ${state.clusters[0].name}, Pod istio-system/${istiodPodName} ${pod}`,
        );
    }
    for (const c of state.clusters) {
        const ready = await apiServerReady(bedEndpoint(state, c));
        lines.push(
            `${c.name} pid ${pidOf(apiServerProcess(c.index)) ?? "-"} ${c.server} ${ready ? "ready" : "NOT READY"} kubeconfig ${c.kubeconfig}`,
        );
    }
    return lines.join("\n");
}
