// The bed's servers: one etcd, and per cluster a kube-apiserver with TLS, token auth, RBAC and an audit log, reached
// at the machine's own address; and the controllers process (controllers.ts) beside them.
import * as os from "os";
import * as fs from "fs";
import * as path from "path";
import { apiServerReady } from "./kubeapi";
import { clusterDir, repoRoot, runDir } from "./paths";
import { logFileOf, startProcess, waitFor } from "./procs";
import { BedCluster, bedEndpoint, BedState } from "./state";
import type { Log } from "./log";
import type { Tools } from "./tools";

/**
 * The address the API servers are reached at: the machine's own (not a loopback one), as a real cluster's API
 * server is reached from other hosts and from istiod's Pod; a loopback address in a remote secret is what the
 * package warns about (kind, local tunnels). `MULTINET_BED_HOST` sets it; loopback only when nothing else exists.
 */
export function hostAddress(): string {
    if (process.env.MULTINET_BED_HOST) return process.env.MULTINET_BED_HOST;
    const own = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === "IPv4" && !i.internal);
    return own?.address ?? "127.0.0.1";
}

/** What the API servers' audit logs record: every request but the bed's, istiod's and their own, and health checks. */
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  users: ["multinet-bed", "istiod", "system:apiserver"]
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
- level: Metadata
`;

/** Writes the audit policy every API server of the bed reads. */
export function writeAuditPolicy(): void {
    fs.writeFileSync(path.join(runDir, "audit-policy.yaml"), auditPolicy);
}

/** Starts the bed's one etcd (every cluster keeps its objects under its own prefix) and waits until it is healthy. */
export async function startEtcd(tools: Tools, port: number, peerPort: number): Promise<void> {
    startProcess("etcd", tools.etcd, [
        "--name=bed",
        `--data-dir=${runDir}/etcd`,
        `--listen-client-urls=http://127.0.0.1:${port}`,
        `--advertise-client-urls=http://127.0.0.1:${port}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=bed=http://127.0.0.1:${peerPort}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
    ]);
    await waitFor("etcd", 30_000, async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, logFileOf("etcd"));
}

/** The process name of cluster `index`'s API server (its pid file and log). */
export const apiServerProcess = (index: number) => `apiserver-${index}`;

/** Starts `cluster`'s API server (on its port, its etcd prefix, its serving certificate) and waits until it is ready. */
export async function startApiServer(tools: Tools, state: BedState, cluster: BedCluster, log: Log): Promise<void> {
    const dir = clusterDir(cluster.index);
    const pki = path.join(runDir, "pki");
    const serving = cluster.pki ?? pki;
    const name = apiServerProcess(cluster.index);
    startProcess(name, tools.kubeApiserver, [
        `--etcd-servers=http://127.0.0.1:${state.etcdPort}`,
        `--etcd-prefix=/${cluster.etcdPrefix ?? cluster.name}`,
        // Every address: the API server is reached at the machine's own (hostAddress), istiod and the bed use loopback.
        "--bind-address=0.0.0.0",
        `--advertise-address=${new URL(cluster.server).hostname}`,
        `--secure-port=${cluster.port}`,
        `--cert-dir=${dir}`,
        `--tls-cert-file=${serving}/server.crt`,
        `--tls-private-key-file=${serving}/server.key`,
        `--client-ca-file=${pki}/ca.crt`,
        `--kubelet-certificate-authority=${pki}/ca.crt`,
        `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`,
        `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`,
        "--kubelet-preferred-address-types=InternalIP",
        `--token-auth-file=${dir}/tokens.csv`,
        "--authorization-mode=RBAC",
        `--service-account-issuer=https://${cluster.name}.bed.local`,
        `--service-account-key-file=${pki}/sa.pub`,
        `--service-account-signing-key-file=${pki}/sa.key`,
        "--service-cluster-ip-range=10.96.0.0/16",
        `--audit-policy-file=${runDir}/audit-policy.yaml`,
        `--audit-log-path=${cluster.auditLog}`,
        "--audit-log-format=json",
        "--enable-priority-and-fairness=false",
        "--endpoint-reconciler-type=none",
        "--profiling=false",
        "--v=1",
    ]);
    const ep = bedEndpoint(state, cluster);
    await waitFor(`kube-apiserver of ${cluster.name}`, 90_000, () => apiServerReady(ep), logFileOf(name));
    log(`${cluster.name} ready at ${cluster.server}`);
}

/** Starts the controllers process (load balancers, tokens, istiod's kubelet part) on the bed in the run folder. */
export function startControllers(): void {
    const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
    startProcess("controllers", process.execPath, [tsx, path.join(__dirname, "controllers.ts"), runDir]);
}
