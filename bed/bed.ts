// The test bed: one etcd and N kube-apiservers on loopback with TLS, token auth, RBAC and audit logs, seeded
// as if Istio were installed; a real istiod against cluster 1, with its Pod on a Node whose kubelet serves
// port-forward; and the controllers process that plays the cloud's load balancer, the token controller and the
// rest of istiod's kubelet. `up` is idempotent; `down` stops every process whose command line names the run folder.
//
// This file puts the bed together and takes it apart (up, down, a cluster stopped, started or rebuilt); the parts are
// beside it: state.ts (bed.json), env.ts (the tools' environment), pki.ts (certificates, tokens, kubeconfigs),
// servers.ts (etcd, the API servers, the controllers process), seed.ts (Istio as installed), istiod.ts and
// kubelet.ts (the control plane), xds.ts (what istiod serves) and status.ts. What the tests, the demo and the bench
// use of them is exported from here too.
import * as fs from "fs";
import * as path from "path";
import { bedEnv, toolEnv, writeBinDir } from "./env";
import {
    IstiodState,
    istiodCommand,
    istiodReady,
    podName as istiodPodName,
    processName as istiodProcess,
    startIstiod,
    templateHash,
} from "./istiod";
import { kubeRequest } from "./kubeapi";
import {
    createIstiodPod,
    kubeletServing,
    nodeName,
    processName as kubeletProcess,
    registerNode,
    reportIstiodPod,
    startKubelet,
} from "./kubelet";
import { defaultLog, Log } from "./log";
import { backendDir, clusterDir, lbPausedFlag, runDir } from "./paths";
import { makePki, makeServingPki, repointKubeconfig, token, writeKubeconfig } from "./pki";
import { freePort, logFileOf, stopAll, stopProcess, waitFor } from "./procs";
import { putSample } from "./sample";
import { istioCrds, seedCluster } from "./seed";
import { apiServerProcess, hostAddress, startApiServer, startControllers, startEtcd, writeAuditPolicy } from "./servers";
import { BedCluster, bedEndpoint, BedState, readState, writeState } from "./state";
import { healthy, status } from "./status";
import { ensureTools, Tools } from "./tools";
import { holdProxy, istiodDebug, ProxyIdentity, proxyView, XdsEndpoint } from "./xds";
import { clusterIdProblem } from "../core/validate";

export type { BedCluster, BedState, ProxyIdentity, XdsEndpoint };
export { bedEndpoint, bedEnv, healthy, holdProxy, hostAddress, istiodDebug, proxyView, readState, status, toolEnv, writeBinDir };

export interface UpOptions {
    clusters?: number;
    /** Run a real istiod against cluster 1 (default true). */
    istiod?: boolean;
    /** istiod's CLUSTER_ID, declared by the seeded `istiod` Deployment (default "cluster-1"). */
    controlPlaneId?: string;
}

/** How many clusters start together (`MULTINET_BED_WAVE`, default 4): more at once time out on 2 cores. */
function waveSize(): number {
    const n = Number(process.env.MULTINET_BED_WAVE ?? 4);
    if (!Number.isInteger(n) || n < 1)
        throw new Error(`MULTINET_BED_WAVE must be a positive integer, got ${process.env.MULTINET_BED_WAVE}`);
    return n;
}

/** Seeds `cluster` of the bed `state` as an Istio install whose control plane has CLUSTER_ID `controlPlaneId`. */
function seed(state: BedState, cluster: BedCluster, crds: any[], controlPlaneId: string): Promise<void> {
    return seedCluster(bedEndpoint(state, cluster), cluster, crds, controlPlaneId);
}

/** The most clusters a bed starts (in waves: see waveSize). */
export const maxClusters = 32;

/** Brings up a bed of `clusters` clusters, reusing a healthy one of the same shape. */
export async function up(options: UpOptions = {}, log: Log = defaultLog): Promise<BedState> {
    const count = options.clusters ?? 3;
    const withIstiod = options.istiod ?? true;
    const controlPlaneId = options.controlPlaneId ?? "cluster-1";
    if (!Number.isInteger(count) || count < 1 || count > maxClusters)
        throw new Error(`--clusters must be an integer from 1 to ${maxClusters}, got ${count}`);
    const idProblem = clusterIdProblem(controlPlaneId, true);
    if (idProblem) throw new Error(`--control-plane-id ${idProblem}, got "${controlPlaneId}"`);
    const tools = ensureTools(log);
    const existing = readState();
    if (
        existing &&
        existing.clusters.length === count &&
        !!existing.istiod === withIstiod &&
        (existing.istiod?.clusterId ?? controlPlaneId) === controlPlaneId &&
        (await healthy(existing))
    ) {
        writeBinDir(tools);
        log(`already up with ${count} clusters${withIstiod ? " and istiod" : ""}`);
        return existing;
    }
    const started = Date.now();
    await down(() => undefined);
    fs.mkdirSync(runDir, { recursive: true });
    writeBinDir(tools);
    const host = hostAddress();
    makePki(path.join(runDir, "pki"), host);
    writeAuditPolicy();
    fs.mkdirSync(backendDir, { recursive: true });

    const etcdPort = await freePort();
    const etcdPeerPort = await freePort();
    const ca = fs.readFileSync(path.join(runDir, "pki", "ca.crt"), "utf8");
    const state: BedState = { clusters: [], etcdPort, ca, bedToken: token(), adminTokens: [] };
    const istiodToken = token();
    for (let i = 1; i <= count; i++) {
        const dir = clusterDir(i);
        fs.mkdirSync(dir, { recursive: true });
        const port = await freePort();
        const name = `cluster-${i}`;
        const server = `https://${host}:${port}`;
        const admin = token();
        const viewer = token();
        state.adminTokens.push(admin);
        fs.writeFileSync(
            path.join(dir, "tokens.csv"),
            [
                `${state.bedToken},multinet-bed,1,"system:masters"`,
                `${admin},admin,2,"system:masters"`,
                `${viewer},viewer,3`,
                `${istiodToken},istiod,4,"system:masters"`,
                "",
            ].join("\n"),
            { mode: 0o600 },
        );
        const kubeconfig = path.join(dir, "kubeconfig");
        const viewerKubeconfig = path.join(dir, "viewer.kubeconfig");
        writeKubeconfig(kubeconfig, name, server, ca, "admin", admin);
        writeKubeconfig(viewerKubeconfig, name, server, ca, "viewer", viewer);
        state.clusters.push({
            index: i,
            name,
            server,
            port,
            kubeconfig,
            viewerKubeconfig,
            auditLog: path.join(dir, "audit.log"),
        });
    }
    if (withIstiod) {
        // istiod's own user (audit logs leave it out), as its in-cluster ServiceAccount would be.
        const istiodKubeconfig = path.join(clusterDir(1), "istiod.kubeconfig");
        writeKubeconfig(istiodKubeconfig, controlPlaneId, state.clusters[0].server, ca, "istiod", istiodToken);
        const ports = {
            http: await freePort(),
            https: await freePort(),
            grpc: await freePort(),
            secureGrpc: await freePort(),
            monitoring: await freePort(),
            ctrlz: await freePort(),
        };
        state.istiod = {
            clusterId: controlPlaneId,
            ports,
            command: istiodCommand(tools.istiod, controlPlaneId, istiodKubeconfig, ports),
            xdsProbe: tools.xds,
        };
        state.kubelet = { port: await freePort() };
    }

    await startEtcd(tools, etcdPort, etcdPeerPort);

    const crds = istioCrds(tools.istioCrds);
    const wave = waveSize();
    for (let i = 0; i < count; i += wave) {
        const batch = state.clusters.slice(i, i + wave);
        const waveStarted = Date.now();
        if (count > wave) log(`starting ${batch.map((c) => c.name).join(", ")} (waves of ${wave}, MULTINET_BED_WAVE)`);
        await Promise.all(batch.map((c) => startApiServer(tools, state, c, log)));
        await Promise.all(batch.map((c) => seed(state, c, crds, controlPlaneId)));
        log(
            `seeded ${batch.length === 1 ? batch[0].name : `${batch[0].name}..${batch.at(-1)!.name}`} in ${((Date.now() - waveStarted) / 1000).toFixed(1)} s`,
        );
    }
    writeState(state);
    if (state.istiod && state.kubelet) await startControlPlane(tools, state, state.istiod, state.kubelet, log);
    startControllers();
    log(`up: ${count} clusters${state.istiod ? " and istiod" : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return state;
}

/** istiod against cluster 1: the node first (its kubelet serving), then istiod's Pod on it, Ready once the process is. */
async function startControlPlane(
    tools: Tools,
    state: BedState,
    istiod: IstiodState,
    kubelet: NonNullable<BedState["kubelet"]>,
    log: Log,
): Promise<void> {
    const ep = bedEndpoint(state, state.clusters[0]);
    await registerNode(ep, kubelet);
    startKubelet(tools.kubelet, kubelet, istiod);
    await waitFor("the kubelet", 30_000, () => kubeletServing(kubelet), logFileOf(kubeletProcess));
    await createIstiodPod(ep, istiod.clusterId);
    const deployment = (await kubeRequest(ep, "GET", "/apis/apps/v1/namespaces/istio-system/deployments/istiod")).body;
    startIstiod(istiod, templateHash(deployment));
    await waitFor("istiod", 60_000, () => istiodReady(istiod), logFileOf(istiodProcess));
    await reportIstiodPod(ep, true);
    log(
        `istiod ready (CLUSTER_ID ${istiod.clusterId}; debug http://127.0.0.1:${istiod.ports.monitoring}, ` +
            `xDS 127.0.0.1:${istiod.ports.grpc}; Pod istio-system/${istiodPodName} on node ${nodeName}, ` +
            `kubelet https://127.0.0.1:${kubelet.port})`,
    );
}

/** Stops every bed process and removes the run folder (the tool cache stays). */
export async function down(log: Log = defaultLog): Promise<void> {
    await stopAll();
    fs.rmSync(runDir, { recursive: true, force: true });
    log("down");
}

/** Stops one cluster's API server (fault tests); `startClusterAgain` brings it back on the same port. */
export async function stopCluster(index: number): Promise<void> {
    await stopProcess(apiServerProcess(index));
}

/** The running bed's state and its cluster `index`. */
function bedCluster(index: number): { state: BedState; cluster: BedCluster } {
    const state = readState();
    const cluster = state?.clusters.find((c) => c.index === index);
    if (!state || !cluster) throw new Error(`no bed cluster ${index}`);
    return { state, cluster };
}

export async function startClusterAgain(index: number, log: Log = defaultLog): Promise<void> {
    const { state, cluster } = bedCluster(index);
    await startApiServer(ensureTools(log), state, cluster, log);
}

/**
 * Rebuilds cluster `index` under its name, as one does a lost cluster: a new API server (a new address, a new CA)
 * over an empty store, seeded as a fresh Istio install (and the sample); its kubeconfig files name the new server and
 * CA. The controllers process starts again to reach it.
 */
export async function replaceCluster(index: number, log: Log = defaultLog): Promise<BedCluster> {
    const { state, cluster } = bedCluster(index);
    const tools = ensureTools(log);
    await stopProcess(apiServerProcess(index));
    const generation = Number(/-g(\d+)$/.exec(cluster.etcdPrefix ?? "")?.[1] ?? 0) + 1;
    const host = new URL(cluster.server).hostname;
    cluster.pki = path.join(runDir, "pki", `${cluster.name}-g${generation}`);
    makeServingPki(cluster.pki, host, `${cluster.name}-g${generation}-ca`);
    const ca = fs.readFileSync(path.join(cluster.pki, "ca.crt"), "utf8");
    cluster.ca = ca;
    cluster.etcdPrefix = `${cluster.name}-g${generation}`;
    cluster.port = await freePort();
    cluster.server = `https://${host}:${cluster.port}`;
    for (const file of [cluster.kubeconfig, cluster.viewerKubeconfig]) repointKubeconfig(file, cluster.name, cluster.server, ca);
    writeState(state);
    await startApiServer(tools, state, cluster, log);
    await seed(state, cluster, istioCrds(tools.istioCrds), state.istiod?.clusterId ?? "cluster-1");
    await putSample(state, (c) => bedEndpoint(state, c), [cluster]);
    await stopProcess("controllers");
    startControllers();
    log(`${cluster.name} rebuilt at ${cluster.server} with a new CA`);
    return cluster;
}

export function pauseLoadBalancer(paused: boolean): void {
    if (paused) fs.writeFileSync(lbPausedFlag, "");
    else fs.rmSync(lbPausedFlag, { force: true });
}
