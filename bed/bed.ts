// The test bed: one etcd and N kube-apiservers on loopback with TLS, token auth, RBAC and audit logs, seeded
// as if Istio were installed; a real istiod against cluster 1, with its Pod on a Node whose kubelet serves
// port-forward; and the controllers process that plays the cloud's load balancer, the token controller and the
// rest of istiod's kubelet. `up` is idempotent; `down` stops every process whose command line names the run folder.
import { execFile, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { bedApply, Endpoint, KubeError, kubeRequest } from "./kubeapi";
import { backendDir, binDir, cacheDir, clusterDir, configPassphrase, lbPausedFlag, repoRoot, runDir, stateFile } from "./paths";
import { pidOf, sleep, startProcess, stopAll, stopProcess } from "./procs";
import {
    IstiodState,
    istiodCommand,
    istiodReady,
    podName as istiodPodName,
    processName as istiodProcess,
    readStarts,
    startIstiod,
    templateHash,
} from "./istiod";
import {
    createIstiodPod,
    istiodPodReady,
    KubeletState,
    kubeletServing,
    nodeName,
    processName as kubeletProcess,
    registerNode,
    reportIstiodPod,
    startKubelet,
} from "./kubelet";
import {
    injectorWebhook,
    istioCrds,
    istioMeshConfig,
    istioSystemNamespace,
    istiodDeployment,
    istiodService,
    istiodServiceAccount,
    injectorConfigMap,
    remoteProfileObjects,
} from "./seed";
import { ensureTools, Tools } from "./tools";
import { putSample } from "./sample";
import { clusterIdProblem } from "../core/validate";

export interface BedCluster {
    index: number;
    /** Cluster name (cluster-N): the kubeconfig context, and Istio's cluster ID except for cluster 1 under --control-plane-id. */
    name: string;
    server: string;
    port: number;
    /** kubeconfig of the bed's admin user (system:masters); what users and tests get. */
    kubeconfig: string;
    /** kubeconfig of a user without any RBAC grant, for permission tests. */
    viewerKubeconfig: string;
    auditLog: string;
    /** A cluster rebuilt under its name (replaceCluster): its own CA (PEM), serving certificate's folder and etcd prefix. */
    ca?: string;
    pki?: string;
    etcdPrefix?: string;
}

export interface BedState {
    clusters: BedCluster[];
    etcdPort: number;
    ca: string;
    /** Token of the bed's own user (seeding, the controllers process); excluded from audit logs. */
    bedToken: string;
    adminTokens: string[];
    /** Absent with `up --no-istiod`. */
    istiod?: IstiodState;
    /** The kubelet of istiod's node on cluster 1; absent with `up --no-istiod`. */
    kubelet?: KubeletState;
}

export interface UpOptions {
    clusters?: number;
    /** Run a real istiod against cluster 1 (default true). */
    istiod?: boolean;
    /** istiod's CLUSTER_ID, declared by the seeded `istiod` Deployment (default "cluster-1"). */
    controlPlaneId?: string;
}

type Log = (msg: string) => void;
const defaultLog: Log = (m) => process.stderr.write(`bed: ${m}\n`);

export function readState(): BedState | undefined {
    try {
        return JSON.parse(fs.readFileSync(stateFile, "utf8"));
    } catch {
        return undefined;
    }
}

/** How the bed itself (its own user, left out of audit counts) reaches a cluster. */
export function bedEndpoint(state: BedState, cluster: BedCluster): Endpoint {
    return { server: cluster.server, ca: cluster.ca ?? state.ca, token: state.bedToken };
}

/** Environment for the bed's Pulumi CLI and kubectl with a local file backend (no clusters implied). */
export function toolEnv(): Record<string, string> {
    return {
        PATH: [binDir, process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: configPassphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // Node's on-disk compile cache (Node >= 22.1): each preview and up starts two Node processes (the program and
        // the dynamic provider) that compile the same modules; cached, each spends about 0.25 s less CPU.
        NODE_COMPILE_CACHE: path.join(cacheDir, "node-compile-cache"),
    };
}

/** Environment for running the real tools against the bed (what `bed env` prints). */
export function bedEnv(state: BedState | undefined = readState()): Record<string, string> {
    if (!state) throw new Error("the bed is not up: run `npm run bed -- up`");
    return {
        ...toolEnv(),
        MULTINET_BED_KUBECONFIGS: state.clusters.map((c) => c.kubeconfig).join(":"),
        ...(state.istiod
            ? {
                  MULTINET_ISTIOD_DEBUG: `http://127.0.0.1:${state.istiod.ports.monitoring}`,
                  MULTINET_ISTIOD_XDS: `127.0.0.1:${state.istiod.ports.grpc}`,
                  MULTINET_CONTROL_PLANE_ID: state.istiod.clusterId,
              }
            : {}),
    };
}

/**
 * A free port below the kernel's ephemeral range (32768 and up): a server the bed restarts (istiod) binds its port
 * again, and an outgoing connection's ephemeral port there would make that fail with "address already in use".
 */
async function freePort(): Promise<number> {
    const tryPort = (port: number) =>
        new Promise<boolean>((resolve) => {
            const srv = net.createServer();
            srv.unref();
            srv.on("error", () => resolve(false));
            srv.listen(port, "0.0.0.0", () => srv.close(() => resolve(true)));
        });
    for (let i = 0; i < 200; i++) {
        const port = 10000 + crypto.randomInt(22000);
        if (!usedPorts.has(port) && (await tryPort(port))) {
            usedPorts.add(port);
            return port;
        }
    }
    throw new Error("no free port below 32000");
}
const usedPorts = new Set<number>();

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, logFile?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await probe().catch(() => false)) return;
        await sleep(200);
    }
    const tail =
        logFile && fs.existsSync(logFile)
            ? `\n--- last lines of ${logFile}:\n${fs.readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n")}`
            : "";
    throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s${tail}`);
}

function openssl(args: string[], cwd: string): void {
    try {
        execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT")
            throw new Error(
                "the bed makes its TLS certificates with openssl, which is not on PATH: install it (Debian: apt-get install openssl)",
                { cause: e },
            );
        throw e;
    }
}

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

/** A new CA in `dir` (ca.crt, ca.key) and an API server's serving certificate from it for `host` (server.crt, server.key). */
function makeServingPki(dir: string, host: string, caName = "multinet-bed-ca"): ReturnType<typeof issuer> {
    fs.mkdirSync(dir, { recursive: true });
    openssl(["req", "-x509", ...newKey("ca.key"), "-out", "ca.crt", "-days", "3650", "-subj", `/CN=${caName}`], dir);
    const issue = issuer(dir);
    issue("server", "/CN=kube-apiserver", `subjectAltName=IP:${host},IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n`);
    return issue;
}

/** A new P-256 key, unencrypted, in `key`. */
const newKey = (key: string) => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key];

/** Issues `name`.key and `name`.crt in `dir`, signed by its CA, with the extensions `ext`. */
function issuer(dir: string) {
    return (name: string, subject: string, ext: string) => {
        fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
        openssl(["req", ...newKey(`${name}.key`), "-out", `${name}.csr`, "-subj", subject], dir);
        openssl(
            [
                "x509",
                "-req",
                "-in",
                `${name}.csr`,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                `${name}.crt`,
                "-days",
                "3650",
                "-extfile",
                `${name}.ext`,
            ],
            dir,
        );
    };
}

/**
 * One CA, one serving certificate for the host's address and 127.0.0.1 and one service-account key serve every
 * cluster; the kubelet has its serving certificate, and the API servers their client certificate towards kubelets,
 * both from that CA.
 */
function makePki(dir: string, host: string): void {
    const issue = makeServingPki(dir, host);
    // As a kubelet's serving certificate is (its Node's name and address), and as kubeadm makes the API server's
    // client certificate towards kubelets (cmd/kubeadm/app/phases/certs/certlist.go).
    issue(
        "kubelet",
        `/O=system:nodes/CN=system:node:${nodeName}`,
        `subjectAltName=IP:127.0.0.1,DNS:${nodeName}\nextendedKeyUsage=serverAuth\n`,
    );
    issue("apiserver-kubelet-client", "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client", "extendedKeyUsage=clientAuth\n");
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
    fs.writeFileSync(path.join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
}

function kubeconfigYaml(name: string, server: string, ca: string, user: string, token: string): string {
    const caData = Buffer.from(ca).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- name: ${name}\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${caData}`,
        `users:\n- name: ${user}\n  user:\n    token: ${token}`,
        `contexts:\n- name: ${name}\n  context:\n    cluster: ${name}\n    user: ${user}`,
        `current-context: ${name}`,
        "",
    ].join("\n");
}

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

function token(): string {
    return crypto.randomBytes(24).toString("hex");
}

/** The bed's bin folder: the tools, Node 22 and the dynamic-provider plugin script, first on PATH. */
export function writeBinDir(tools: Tools): void {
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.mkdirSync(binDir, { recursive: true });
    const link = (target: string, name: string) => fs.symlinkSync(target, path.join(binDir, name));
    // Copied, not linked: the CLI (and the YAML host, for the plugins it starts) looks for language hosts beside its
    // own resolved path, and warns about one found elsewhere on PATH.
    fs.copyFileSync(tools.pulumi, path.join(binDir, "pulumi"));
    fs.copyFileSync(tools.yamlLanguageHost, path.join(binDir, "pulumi-language-yaml"));
    link(tools.languageHost, "pulumi-language-nodejs");
    link(tools.kubectl, "kubectl");
    link(tools.istioctl, "istioctl");
    link(process.execPath, "node"); // the Node 22 that runs this script (node@22 from the npm registry)
    // The dynamic-provider plugin: @pulumi/pulumi's dynamic provider, resolved from the program's folder.
    const script = path.join(binDir, "pulumi-resource-pulumi-nodejs");
    fs.writeFileSync(
        script,
        [
            "#!/bin/sh",
            `provider=$(node -p 'require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd(), ` +
                `${JSON.stringify(repoRoot)}] })') || exit 1`,
            'exec node "$provider" "$@"',
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
}

async function startCluster(tools: Tools, state: BedState, cluster: BedCluster, log: Log): Promise<void> {
    const dir = clusterDir(cluster.index);
    const pki = path.join(runDir, "pki");
    const serving = cluster.pki ?? pki;
    const name = `apiserver-${cluster.index}`;
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
    await waitFor(
        `kube-apiserver of ${cluster.name}`,
        90_000,
        async () => (await kubeRequest(ep, "GET", "/readyz")).status === 200,
        path.join(runDir, "logs", `${name}.log`),
    );
    log(`${cluster.name} ready at ${cluster.server}`);
}

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

/** How many clusters start together (`MULTINET_BED_WAVE`, default 4): more at once time out on 2 cores. */
function waveSize(): number {
    const n = Number(process.env.MULTINET_BED_WAVE ?? 4);
    if (!Number.isInteger(n) || n < 1)
        throw new Error(`MULTINET_BED_WAVE must be a positive integer, got ${process.env.MULTINET_BED_WAVE}`);
    return n;
}

async function seed(state: BedState, cluster: BedCluster, crds: any[], controlPlaneId: string): Promise<void> {
    const ep = bedEndpoint(state, cluster);
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

/** True when every process of the bed runs and every API server is ready. */
export async function healthy(state: BedState | undefined = readState()): Promise<boolean> {
    if (!state) return false;
    if (pidOf("etcd") === undefined || pidOf("controllers") === undefined) return false;
    if (state.istiod && !(await istiodReady(state.istiod))) return false;
    if (state.kubelet && pidOf(kubeletProcess) === undefined) return false;
    for (const c of state.clusters) {
        if (pidOf(`apiserver-${c.index}`) === undefined) return false;
        const ok = await kubeRequest(bedEndpoint(state, c), "GET", "/readyz").then(
            (r) => r.status === 200,
            () => false,
        );
        if (!ok) return false;
    }
    return true;
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
    fs.writeFileSync(path.join(runDir, "audit-policy.yaml"), auditPolicy);
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
        fs.writeFileSync(kubeconfig, kubeconfigYaml(name, server, ca, "admin", admin), { mode: 0o600 });
        fs.writeFileSync(viewerKubeconfig, kubeconfigYaml(name, server, ca, "viewer", viewer), { mode: 0o600 });
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
        fs.writeFileSync(istiodKubeconfig, kubeconfigYaml(controlPlaneId, state.clusters[0].server, ca, "istiod", istiodToken), {
            mode: 0o600,
        });
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

    startProcess("etcd", tools.etcd, [
        "--name=bed",
        `--data-dir=${runDir}/etcd`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=bed=http://127.0.0.1:${etcdPeerPort}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
    ]);
    await waitFor(
        "etcd",
        30_000,
        async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok,
        path.join(runDir, "logs", "etcd.log"),
    );

    const crds = istioCrds(tools.istioCrds);
    const wave = waveSize();
    for (let i = 0; i < count; i += wave) {
        const batch = state.clusters.slice(i, i + wave);
        const waveStarted = Date.now();
        if (count > wave) log(`starting ${batch.map((c) => c.name).join(", ")} (waves of ${wave}, MULTINET_BED_WAVE)`);
        await Promise.all(batch.map((c) => startCluster(tools, state, c, log)));
        await Promise.all(batch.map((c) => seed(state, c, crds, controlPlaneId)));
        log(
            `seeded ${batch.length === 1 ? batch[0].name : `${batch[0].name}..${batch.at(-1)!.name}`} in ${((Date.now() - waveStarted) / 1000).toFixed(1)} s`,
        );
    }
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    if (state.istiod && state.kubelet) {
        const ep = bedEndpoint(state, state.clusters[0]);
        // The node first (its kubelet serving), then istiod's Pod on it, Ready once the process is.
        await registerNode(ep, state.kubelet);
        startKubelet(tools.kubelet, state.kubelet, state.istiod);
        const kubelet = state.kubelet;
        await waitFor("the kubelet", 30_000, () => kubeletServing(kubelet), path.join(runDir, "logs", `${kubeletProcess}.log`));
        await createIstiodPod(ep, controlPlaneId);
        const deployment = (await kubeRequest(ep, "GET", "/apis/apps/v1/namespaces/istio-system/deployments/istiod")).body;
        startIstiod(state.istiod, templateHash(deployment));
        const istiodLog = path.join(runDir, "logs", `${istiodProcess}.log`);
        await waitFor("istiod", 60_000, () => istiodReady(state.istiod!), istiodLog);
        await reportIstiodPod(ep, true);
        log(
            `istiod ready (CLUSTER_ID ${controlPlaneId}; debug http://127.0.0.1:${state.istiod.ports.monitoring}, ` +
                `xDS 127.0.0.1:${state.istiod.ports.grpc}; Pod istio-system/${istiodPodName} on node ${nodeName}, ` +
                `kubelet https://127.0.0.1:${state.kubelet.port})`,
        );
    }
    startControllers();
    log(`up: ${count} clusters${state.istiod ? " and istiod" : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return state;
}

function startControllers(): void {
    const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
    startProcess("controllers", process.execPath, [tsx, path.join(__dirname, "controllers.ts"), runDir]);
}

/** Stops every bed process and removes the run folder (the tool cache stays). */
export async function down(log: Log = defaultLog): Promise<void> {
    await stopAll();
    fs.rmSync(runDir, { recursive: true, force: true });
    log("down");
}

/** Stops one cluster's API server (fault tests); `startClusterAgain` brings it back on the same port. */
export async function stopCluster(index: number): Promise<void> {
    await stopProcess(`apiserver-${index}`);
}

export async function startClusterAgain(index: number, log: Log = defaultLog): Promise<void> {
    const state = readState();
    const cluster = state?.clusters.find((c) => c.index === index);
    if (!state || !cluster) throw new Error(`no bed cluster ${index}`);
    await startCluster(ensureTools(log), state, cluster, log);
}

/**
 * Rebuilds cluster `index` under its name, as one does a lost cluster: a new API server (a new address, a new CA)
 * over an empty store, seeded as a fresh Istio install (and the sample); its kubeconfig files name the new server and
 * CA. The controllers process starts again to reach it.
 */
export async function replaceCluster(index: number, log: Log = defaultLog): Promise<BedCluster> {
    const state = readState();
    const cluster = state?.clusters.find((c) => c.index === index);
    if (!state || !cluster) throw new Error(`no bed cluster ${index}`);
    const tools = ensureTools(log);
    await stopProcess(`apiserver-${index}`);
    const generation = Number(/-g(\d+)$/.exec(cluster.etcdPrefix ?? "")?.[1] ?? 0) + 1;
    const host = new URL(cluster.server).hostname;
    cluster.pki = path.join(runDir, "pki", `${cluster.name}-g${generation}`);
    makeServingPki(cluster.pki, host, `${cluster.name}-g${generation}-ca`);
    const ca = fs.readFileSync(path.join(cluster.pki, "ca.crt"), "utf8");
    cluster.ca = ca;
    cluster.etcdPrefix = `${cluster.name}-g${generation}`;
    cluster.port = await freePort();
    cluster.server = `https://${host}:${cluster.port}`;
    for (const file of [cluster.kubeconfig, cluster.viewerKubeconfig]) {
        const text = fs.readFileSync(file, "utf8");
        const user = /users:\n- name: (\S+)/.exec(text)![1];
        const secret = /token: (\S+)/.exec(text)![1];
        fs.writeFileSync(file, kubeconfigYaml(cluster.name, cluster.server, ca, user, secret), { mode: 0o600 });
    }
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    await startCluster(tools, state, cluster, log);
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

/** One endpoint of what istiod sends a proxy (EDS), as `bed xds` prints it. */
export interface XdsEndpoint {
    address: string;
    port: number;
    weight: number;
    /** Istio cluster ID istiod attaches to the endpoint ("" for a gateway learnt from meshNetworks). */
    cluster: string;
}

export interface ProxyIdentity {
    /** The proxy's Istio cluster ID (CLUSTER_ID). */
    cluster: string;
    /** The proxy's network (ISTIO_META_NETWORK). */
    network: string;
    /** An east-west gateway (router) whose view is its own network, instead of a sidecar. */
    router?: boolean;
    /** The proxy's pod name (default "xds-probe"). */
    name?: string;
}

function probeArgs(state: BedState, proxy: ProxyIdentity, service: string): string[] {
    return [
        "-istiod",
        `127.0.0.1:${state.istiod!.ports.grpc}`,
        "-cluster",
        proxy.cluster,
        "-network",
        proxy.network,
        ...(proxy.router ? ["-router"] : []),
        ...(proxy.name ? ["-name", proxy.name] : []),
        service,
    ];
}

/**
 * A proxy that stays connected (as a running sidecar does, listed in istiod's /debug/adsz as `<name>.<namespace>`)
 * once istiod has answered it, until stopped. Resolves when it is connected.
 */
export function holdProxy(proxy: ProxyIdentity & { name: string }, service: string, state: BedState | undefined = readState()) {
    if (!state?.istiod) throw new Error("the bed runs no istiod");
    const child = spawn(state.istiod.xdsProbe, ["-hold", "1h", ...probeArgs(state, proxy, service)], { stdio: ["ignore", "pipe", "pipe"] });
    const connected = new Promise<void>((resolve, reject) => {
        child.stdout.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`the held proxy exited (${code})`)));
    });
    return { connected, stop: () => child.kill() };
}

/** The EDS endpoints istiod sends `proxy` for `service` (`host:port`), read over istiod's plain-text xDS port. */
export function proxyView(proxy: ProxyIdentity, service: string, state: BedState | undefined = readState()): Promise<XdsEndpoint[]> {
    if (!state?.istiod) return Promise.reject(new Error("the bed runs no istiod: `npm run bed -- up` without --no-istiod"));
    const args = probeArgs(state, proxy, service);
    return new Promise((resolve, reject) =>
        execFile(state.istiod!.xdsProbe, args, { timeout: 30_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(stderr.trim() || err.message)) : resolve(JSON.parse(stdout)),
        ),
    );
}

/** Reads a debug endpoint of istiod (`/debug/networkz`, `/debug/clusterz`, ...) as JSON. */
export async function istiodDebug(what: string, state: BedState | undefined = readState()): Promise<any> {
    if (!state?.istiod) throw new Error("the bed runs no istiod");
    const r = await fetch(`http://127.0.0.1:${state.istiod.ports.monitoring}/debug/${what}`);
    if (!r.ok) throw new Error(`istiod /debug/${what}: ${r.status} ${await r.text()}`);
    return r.json();
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
        const ready = await kubeRequest(bedEndpoint(state, c), "GET", "/readyz").then(
            (r) => r.status === 200,
            () => false,
        );
        lines.push(
            `${c.name} pid ${pidOf(`apiserver-${c.index}`) ?? "-"} ${c.server} ${ready ? "ready" : "NOT READY"} kubeconfig ${c.kubeconfig}`,
        );
    }
    return lines.join("\n");
}
