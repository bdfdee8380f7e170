// The parts of a real cluster that a lone API server lacks, played by one process over every bed cluster:
// - the cloud's load balancer: every LoadBalancer Service gets an address from the documentation range
//   203.0.113.0/24 (data only; nothing is ever sent there), or the one it asks for in spec.loadBalancerIP, or a
//   hostname when it carries the bed's annotation (hostnameAnnotation), as clouds that name load balancers do.
//   Paused while the run folder holds the file `lb-paused`;
// - the Deployment controller and kubelets, in the Istio namespace: a Deployment's Pods are available when they
//   could start (an `image: auto` needs an Istio injector that selects them);
// - the token and service-account controllers: Secrets of type kubernetes.io/service-account-token get a token
//   signed with the bed's service-account key, and every namespace gets its `default` ServiceAccount;
// - the kubelet, for istiod only: a change of the `istiod` Deployment's pod template on cluster 1 restarts the
//   istiod process, and the Deployment's status reports it rolled out; the istiod Pod is Ready while istiod is
//   (bed/go/kubelet serves the Pod's port-forward).
// Usage: controllers <run folder>
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { BedState } from "./state";
import { istiodReady, processName as istiodProcess, readStarts, restartIstiod, templateHash } from "./istiod";
import { Endpoint, kubeRequest } from "./kubeapi";
import { reportIstiodPod } from "./kubelet";
import { pidOf, sleep } from "./procs";
import { injectorFor } from "../core/injection";
import { hostnameAnnotation } from "./seed";

const runDir = process.argv[2];
const state: BedState = JSON.parse(fs.readFileSync(path.join(runDir, "bed.json"), "utf8"));
const pausedFlag = path.join(runDir, "lb-paused");
const saKey = crypto.createPrivateKey(fs.readFileSync(path.join(runDir, "pki", "sa.key")));
const assigned = new Map<string, string>(); // cluster/namespace/name -> address

const endpoints = state.clusters.map((c) => ({
    cluster: c,
    ep: { server: c.server, ca: c.ca ?? state.ca, token: state.bedToken } as Endpoint,
}));

function nextAddress(): string {
    const used = new Set(assigned.values());
    for (let i = 10; i < 255; i++) {
        const ip = `203.0.113.${i}`;
        if (!used.has(ip)) return ip;
    }
    throw new Error("203.0.113.0/24 exhausted");
}

async function list(ep: Endpoint, apiPath: string): Promise<any[] | undefined> {
    const r = await kubeRequest(ep, "GET", apiPath).catch(() => undefined);
    return r?.status === 200 ? (r.body.items ?? []) : undefined; // undefined: that API server is down; next round
}

async function setIngress(ep: Endpoint, svc: any, ingress: object): Promise<void> {
    await kubeRequest(
        ep,
        "PATCH",
        `/api/v1/namespaces/${svc.metadata.namespace}/services/${svc.metadata.name}/status`,
        { status: { loadBalancer: { ingress: [ingress] } } },
        "application/merge-patch+json",
    ).catch(() => undefined);
}

async function loadBalancers(): Promise<void> {
    if (fs.existsSync(pausedFlag)) return;
    for (const { cluster, ep } of endpoints) {
        for (const svc of (await list(ep, "/api/v1/services")) ?? []) {
            if (svc.spec?.type !== "LoadBalancer") continue;
            const key = `${cluster.name}/${svc.metadata.namespace}/${svc.metadata.name}`;
            // A cloud that names its load balancers (AWS's NLBs) reports a hostname instead of an IP.
            const hostname: string | undefined = svc.metadata.annotations?.[hostnameAnnotation];
            const current = svc.status?.loadBalancer?.ingress?.[0];
            if (hostname) {
                if (current?.hostname === hostname && !current.ip) continue;
                await setIngress(ep, svc, { hostname });
                continue;
            }
            const wanted: string = svc.spec.loadBalancerIP || assigned.get(key) || current?.ip || nextAddress();
            assigned.set(key, wanted);
            if (current?.ip === wanted && !current.hostname) continue;
            await setIngress(ep, svc, { ip: wanted, ipMode: "VIP" });
        }
    }
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** A legacy (Secret-based) service-account token, as kube-controller-manager's token controller signs it. */
function legacyToken(namespace: string, secret: string, serviceAccount: string, uid: string): string {
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
    const claims = b64url(
        JSON.stringify({
            iss: "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": namespace,
            "kubernetes.io/serviceaccount/secret.name": secret,
            "kubernetes.io/serviceaccount/service-account.name": serviceAccount,
            "kubernetes.io/serviceaccount/service-account.uid": uid,
            sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
        }),
    );
    const signature = crypto.sign("sha256", Buffer.from(`${header}.${claims}`), saKey);
    return `${header}.${claims}.${b64url(signature)}`;
}

async function serviceAccountTokens(): Promise<void> {
    for (const { ep } of endpoints) {
        const secrets = (await list(ep, "/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token")) ?? [];
        for (const s of secrets) {
            if (s.data?.token) continue;
            const { namespace, name } = s.metadata;
            const saName = s.metadata.annotations?.["kubernetes.io/service-account.name"];
            const sa =
                saName &&
                (await kubeRequest(ep, "GET", `/api/v1/namespaces/${namespace}/serviceaccounts/${saName}`).catch(() => undefined));
            if (!sa || sa.status !== 200) continue; // the real controller waits for the ServiceAccount too
            const token = legacyToken(namespace, name, saName, sa.body.metadata.uid);
            await kubeRequest(
                ep,
                "PATCH",
                `/api/v1/namespaces/${namespace}/secrets/${name}`,
                {
                    metadata: { annotations: { "kubernetes.io/service-account.uid": sa.body.metadata.uid } },
                    data: {
                        token: Buffer.from(token).toString("base64"),
                        // The cluster's own CA, as the token controller puts it (a rebuilt cluster has another).
                        "ca.crt": Buffer.from(ep.ca).toString("base64"),
                        namespace: Buffer.from(namespace).toString("base64"),
                    },
                },
                "application/merge-patch+json",
            ).catch(() => undefined);
        }
    }
}

async function defaultServiceAccounts(): Promise<void> {
    for (const { ep } of endpoints) {
        const namespaces = (await list(ep, "/api/v1/namespaces")) ?? [];
        const accounts = new Set(
            ((await list(ep, "/api/v1/serviceaccounts?fieldSelector=metadata.name%3Ddefault")) ?? []).map((sa) => sa.metadata.namespace),
        );
        for (const ns of namespaces) {
            if (accounts.has(ns.metadata.name) || ns.status?.phase === "Terminating") continue;
            await kubeRequest(ep, "POST", `/api/v1/namespaces/${ns.metadata.name}/serviceaccounts`, {
                metadata: { name: "default" },
            }).catch(() => undefined);
        }
    }
}

/** Restarts istiod when its Deployment's pod template changes, and reports the rollout in the status. */
async function istiodKubelet(): Promise<void> {
    if (!state.istiod) return;
    const ep = endpoints[0].ep;
    const r = await kubeRequest(ep, "GET", "/apis/apps/v1/namespaces/istio-system/deployments/istiod").catch(() => undefined);
    if (r?.status !== 200) return;
    const template = templateHash(r.body);
    // A changed pod template rolls istiod; a process that died is started again, as a kubelet restarts a container.
    if (readStarts()?.template !== template || pidOf(istiodProcess) === undefined) await restartIstiod(state.istiod, template);
    const generation = r.body.metadata.generation;
    if (r.body.status?.observedGeneration !== generation) {
        const replicas = r.body.spec.replicas ?? 1;
        await kubeRequest(
            ep,
            "PATCH",
            "/apis/apps/v1/namespaces/istio-system/deployments/istiod/status",
            {
                status: {
                    observedGeneration: generation,
                    replicas,
                    updatedReplicas: replicas,
                    readyReplicas: replicas,
                    availableReplicas: replicas,
                },
            },
            "application/merge-patch+json",
        ).catch(() => undefined);
    }
}

/** Reports the istiod Pod Ready while the istiod process is, as its kubelet would. */
async function istiodPod(): Promise<void> {
    if (!state.istiod) return;
    await reportIstiodPod(endpoints[0].ep, await istiodReady(state.istiod));
}

async function loop(period: number, work: () => Promise<void>): Promise<never> {
    for (;;) {
        await work().catch((e) => console.error(`controllers: ${e}`));
        await sleep(period);
    }
}

/**
 * The Deployment controller and the kubelets, for every Deployment but istiod's: its Pods are available when they
 * could start, that is when their image is real, or when it is `image: auto` and an Istio injector selects them
 * (the same rule as istioctl analyze's IST0146); else none is, as a cluster without the injector leaves them.
 */
async function deployments(): Promise<void> {
    for (const { cluster, ep } of endpoints) {
        // The Istio namespace's, where gateways run (the one list each round; the injector is read only when needed).
        const all = (await list(ep, "/apis/apps/v1/namespaces/istio-system/deployments")) ?? [];
        let injection: { webhooks: any[]; labels: Record<string, string> } | undefined;
        for (const d of all) {
            if (cluster.index === 1 && d.metadata.name === "istiod") continue;
            const template = d.spec.template;
            const auto = (template.spec.containers ?? []).some((c: any) => c.image === "auto");
            if (auto)
                injection ??= {
                    webhooks: (await list(ep, "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations")) ?? [],
                    labels:
                        (await kubeRequest(ep, "GET", "/api/v1/namespaces/istio-system").catch(() => undefined))?.body?.metadata?.labels ??
                        {},
                };
            const startable = !auto || injectorFor(injection!.webhooks, injection!.labels, template.metadata?.labels ?? {}) !== undefined;
            const replicas = d.spec.replicas ?? 1;
            const available = startable ? replicas : 0;
            const st = d.status ?? {};
            if (
                st.observedGeneration === d.metadata.generation &&
                (st.availableReplicas ?? 0) === available &&
                (st.replicas ?? 0) === replicas
            )
                continue;
            await kubeRequest(
                ep,
                "PATCH",
                `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/status`,
                {
                    status: {
                        observedGeneration: d.metadata.generation,
                        replicas,
                        updatedReplicas: replicas,
                        readyReplicas: available,
                        availableReplicas: available,
                        unavailableReplicas: replicas - available,
                    },
                },
                "application/merge-patch+json",
            ).catch(() => undefined);
        }
    }
}

// The loops over every cluster poll less often on a large bed, so that their requests stay at an 8-cluster bed's
// rate instead of taking the cores from what is measured; istiod's own (cluster 1) keep their pace.
const everyCluster = (ms: number) => ms * Math.max(1, Math.ceil(state.clusters.length / 8));
void loop(everyCluster(250), loadBalancers);
void loop(everyCluster(2000), deployments);
void loop(250, istiodKubelet);
void loop(250, istiodPod);
void loop(everyCluster(500), serviceAccountTokens);
void loop(everyCluster(1000), defaultServiceAccounts);
