// The live check of a mesh, pure: what the mesh's ledgers declare (the ConfigMap's record of every stack of the
// mesh) against what the clusters hold and what istiod serves (its debug views), as named checks with findings
// that each name the object and the fix. `pulumi-multinet check` prints them; the providers wait on some of them
// (a remote secret until istiod has synced its cluster, the interconnect until istiod's gateway table shows it),
// so that `up` and `check` judge with the same code. The facts are gathered by provider/check.ts.
//
// What istiod's views mean is read in Istio's sources (1.31): /debug/clusterz (pkg/kube/multicluster), networkz
// (pilot/pkg/model/network.go: gateways from meshNetworks carry no cluster), endpointShardz (an endpoint's Network
// and Locality.ClusterID), adsz (a proxy's NETWORK as injected, ISTIO_META_NETWORK, fixed for its life).
import { unnetworkedSidecars } from "./changes";
import { GatewayEndpoint, isolationAddress, Ledger, ledgerNetworks, parseGatewayEndpoint } from "./meshNetworks";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface Finding {
    /** The cluster it is about (its name in the mesh), if one. */
    cluster?: string;
    /** The object it is about, as `Kind namespace/name` (or a proxy, a network), if one. */
    object?: string;
    message: string;
    fix: string;
    /** What it makes of its check: a failure, a warning, or a part that could not be checked. */
    severity: "fail" | "warn" | "skip";
}

export interface CheckResult {
    id: CheckId;
    title: string;
    status: CheckStatus;
    findings: Finding[];
}

export interface Report {
    mesh: string;
    checks: CheckResult[];
}

/** Stable ids, in the order they are run and printed. */
export const checks = {
    "control-plane": "istiod is reachable and ready, with the declared cluster ID",
    "remote-clusters": "istiod reads every declared cluster",
    gateways: "istiod's network gateways are the interconnect's, each once",
    "gateway-addresses": "each gateway Service's address is the one istiod has",
    "network-labels": "each member cluster carries its group's network label",
    "injection-network": "each member cluster's injector gives Pods its group's network",
    endpoints: "every endpoint istiod holds is in its cluster's network",
    "stale-proxies": "connected sidecars carry their cluster's current network",
    trust: "one root of trust across clusters",
    "gateway-pods": "east-west gateway Deployments are available",
    ambient: "istiod is not in ambient multi-network mode",
} as const;

export type CheckId = keyof typeof checks;

// ---- facts --------------------------------------------------------------------------------------------------

/** One entry of istiod's /debug/clusterz. */
export interface ClusterzEntry {
    id: string;
    /** `namespace/name` of the remote secret; "" for istiod's own cluster. */
    secretName: string;
    /** "synced", "syncing", "timeout" (not synced within PILOT_REMOTE_CLUSTER_TIMEOUT, 30 s) or "closed". */
    syncStatus: string;
}

/** One entry of istiod's /debug/networkz (a resolved gateway). */
export interface NetworkzEntry {
    Network: string;
    /** "" for a gateway from meshNetworks; a cluster ID for one from a labelled Service or Gateway. */
    Cluster: string;
    Addr: string;
    Port: number;
}

/** An endpoint istiod holds (/debug/endpointShardz), reduced to what the checks read. */
export interface HeldEndpoint {
    /** `host` of the Service. */
    service: string;
    namespace: string;
    address: string;
    cluster: string;
    network: string;
}

/** A connected proxy (/debug/adsz joined with /debug/syncz). */
export interface ConnectedProxy {
    /** `<pod>.<namespace>`. */
    id: string;
    /** "sidecar", "router", ... */
    type: string;
    cluster: string;
    /** Its own network, as injected (ISTIO_META_NETWORK); "" when it has none. */
    network: string;
}

/** What one istiod (one pod, or the debug URL given) serves. */
export interface IstiodView {
    /** `Pod namespace/name`, or the URL. */
    source: string;
    clusters: ClusterzEntry[];
    gateways: NetworkzEntry[];
    endpoints: HeldEndpoint[];
    proxies: ConnectedProxy[];
    /** How many remote-secret events istiod has received (when read): a wait for a changed secret watches it move. */
    secretEvents?: number;
}

/** A cluster the check can read (its kubeconfig given), or why it cannot. */
export interface ClusterFacts {
    /** Set when the cluster could not be read at all. */
    error?: string;
    /** The Istio namespace's network label. */
    networkLabel?: string;
    /** Networks the cluster's sidecar injectors give Pods, with where each is set. */
    injectorNetworks: { source: string; network: string }[];
    /** Our east-west gateway there, if any. */
    gateway?: {
        /** Its network (the pods' label). */
        network?: string;
        /** Where other networks reach it now: the load balancer's address (or the NodePort's), undefined while pending. */
        endpoint?: GatewayEndpoint;
        replicas: number;
        available: number;
    };
    /** SHA-256 fingerprints of the certificates in istio-ca-root-cert (undefined: no such ConfigMap). */
    rootCerts?: string[];
    /** Services labelled topology.istio.io/network (istiod registers those that expose 15443 as gateways). */
    labelledServices?: { object: string; network: string }[];
}

export interface MeshFacts {
    meshId: string;
    namespace: string;
    /** The ledgers of this mesh on its ConfigMap, one per stack. */
    ledgers: Ledger[];
    /** The control-plane cluster's name (from a ledger, or the CLI's --control-plane). */
    controlPlane: string;
    /** istiod's Deployment as read (undefined: not found). */
    deployment?: { name: string; env: Record<string, string | undefined> };
    /** Remote secrets on the control plane: their names and the cluster IDs they hold. */
    remoteSecrets: { name: string; clusterIds: string[] }[];
    /** What istiod serves; `error` when it could not be reached. */
    istiod: { views: IstiodView[]; error?: string; fix?: string };
    /** Clusters by name; absent: no access given. */
    clusters: Record<string, ClusterFacts>;
}

// ---- the declaration ----------------------------------------------------------------------------------------

export interface Declaration {
    /** Declared clusters: name -> Istio cluster ID. */
    clusters: Map<string, string>;
    remoteSecrets: "managed" | "external";
    /** Networks of the mesh's groups -> their member clusters (undefined: a ledger before 0.3 did not say). */
    groups: Map<string, string[] | undefined>;
    /** Networks in the interconnect -> the gateway endpoints published for them. */
    joined: Map<string, GatewayEndpoint[]>;
}

/** The mesh as its ledgers declare it (every stack's, merged). */
export function declaration(ledgers: Ledger[]): Declaration {
    const d: Declaration = { clusters: new Map(), remoteSecrets: "managed", groups: new Map(), joined: new Map() };
    for (const l of ledgers) {
        for (const [name, id] of Object.entries(l.mesh?.clusters ?? {})) d.clusters.set(name, id);
        if (l.mesh?.remoteSecrets === "external") d.remoteSecrets = "external";
        for (const n of ledgerNetworks(l)) d.groups.set(n, l.groupClusters?.[n] ?? d.groups.get(n));
        for (const ids of Object.values(l.referencedClusters ?? {})) for (const [name, id] of Object.entries(ids)) d.clusters.set(name, id);
        for (const [n, endpoints] of Object.entries(l.joined)) d.joined.set(n, endpoints.map(parseGatewayEndpoint));
    }
    return d;
}

/** The group network each declared member cluster is in. */
function networkOf(d: Declaration): Map<string, string> {
    const m = new Map<string, string>();
    for (const [network, clusters] of d.groups) for (const c of clusters ?? []) m.set(c, network);
    return m;
}

/** Cluster name by Istio cluster ID (the ID itself when the declaration does not know it). */
function nameById(d: Declaration): (id: string) => string {
    const byId = new Map([...d.clusters].map(([name, id]) => [id, name]));
    return (id) => byId.get(id) ?? id;
}

// ---- the checks ---------------------------------------------------------------------------------------------

const finding = (severity: Finding["severity"], f: Omit<Finding, "severity">): Finding => ({ ...f, severity });

function result(id: CheckId, findings: Finding[], checkedSomething = true): CheckResult {
    const has = (s: Finding["severity"]) => findings.some((f) => f.severity === s);
    const status: CheckStatus = has("fail") ? "fail" : has("warn") ? "warn" : !checkedSomething ? "skip" : "pass";
    return { id, title: checks[id], status, findings };
}

/** Istio's cluster ID when CLUSTER_ID is not set (pilot/pkg/features: constants.DefaultClusterName). */
export const istioDefaultClusterId = "Kubernetes";

const accessFix = (cluster: string) => `pass --kubeconfig ${cluster}=PATH or --context ${cluster}=CONTEXT`;

function skipped(cluster: string, what: string): Finding {
    return finding("skip", { cluster, message: `not checked: ${what} needs access to cluster "${cluster}"`, fix: accessFix(cluster) });
}

/** The istiod-dependent part of a check: skipped when istiod could not be reached. */
function withIstiod(id: CheckId, facts: MeshFacts, run: (view: IstiodView) => Finding[]): CheckResult {
    if (facts.istiod.views.length === 0) {
        return result(
            id,
            [finding("skip", { message: "istiod could not be reached (see control-plane)", fix: "fix control-plane first" })],
            false,
        );
    }
    const many = facts.istiod.views.length > 1;
    // With several istiod replicas each is judged: proxies and clusters are per replica.
    return result(
        id,
        facts.istiod.views.flatMap((v) => run(v).map((f) => (many ? { ...f, message: `${v.source}: ${f.message}` } : f))),
    );
}

function controlPlane(d: Declaration, facts: MeshFacts): CheckResult {
    const cp = facts.controlPlane;
    const where = `${facts.namespace}/${facts.deployment?.name ?? "istiod"}`;
    if (facts.istiod.error || facts.istiod.views.length === 0) {
        return result("control-plane", [
            finding("fail", {
                cluster: cp,
                object: `Deployment ${where}`,
                message: facts.istiod.error ?? "no ready istiod pod answered",
                fix: facts.istiod.fix ?? "check that istiod runs and is ready (kubectl -n istio-system get pods -l app=istiod)",
            }),
        ]);
    }
    const declared = d.clusters.get(cp) ?? cp;
    const findings = facts.istiod.views.flatMap((v) => {
        const own = v.clusters.find((c) => c.secretName === "")?.id;
        return own === undefined || own === declared
            ? []
            : [
                  finding("fail", {
                      cluster: cp,
                      object: `Deployment ${where}`,
                      message: `${v.source} runs with CLUSTER_ID "${own}", but the mesh declares the control-plane cluster "${cp}" as "${declared}"`,
                      fix: `set clusterId: "${own}" on cluster "${cp}" in the program (or reinstall istiod with that cluster ID)`,
                  }),
              ];
    });
    return result("control-plane", findings);
}

/**
 * Findings about one declared remote cluster in one istiod's view: its remote secret exists (`hasSecret`) and istiod
 * reports it synced. Also what a remote secret's provider waits on.
 */
export function remoteClusterFindings(
    cluster: { name: string; clusterId: string },
    hasSecret: boolean,
    view: Pick<IstiodView, "clusters" | "source">,
    remoteSecrets: "managed" | "external",
    namespace: string,
): Finding[] {
    const secret = `Secret ${namespace}/istio-remote-secret-${cluster.clusterId}`;
    const fixSecret =
        remoteSecrets === "managed"
            ? "run pulumi up: the MultiNetworking makes it"
            : `create it (istioctl create-remote-secret --name ${cluster.clusterId} ...) or set remoteSecrets: "managed"`;
    if (!hasSecret) {
        return [
            finding("fail", {
                cluster: cluster.name,
                object: secret,
                message: `no remote secret holds Istio cluster ID "${cluster.clusterId}": istiod cannot read its Services and endpoints`,
                fix: fixSecret,
            }),
        ];
    }
    const entry = view.clusters.find((c) => c.id === cluster.clusterId);
    const id = `"${cluster.clusterId}"`;
    if (!entry) {
        return [
            finding("fail", {
                cluster: cluster.name,
                object: secret,
                message:
                    `istiod has not registered cluster ${id}: it refused the remote secret's kubeconfig (an exec plugin, a file path, ` +
                    `an auth provider), or another secret already holds that ID`,
                fix: `read istiod's log for "create remote cluster failed" or "already been registered"; give it a token kubeconfig`,
            }),
        ];
    }
    switch (entry.syncStatus) {
        case "synced":
            return [];
        case "syncing":
            return [
                finding("warn", {
                    cluster: cluster.name,
                    object: secret,
                    message: `istiod is still syncing cluster ${id}`,
                    fix: "wait (check --wait 60) ; it times out after 30 s if the API server cannot be reached",
                }),
            ];
        case "timeout":
            return [
                finding("fail", {
                    cluster: cluster.name,
                    object: secret,
                    message:
                        `istiod could not sync cluster ${id} in time ("timeout"): it cannot reach the API server the remote secret names, ` +
                        `or does not trust its certificate, or the token is refused`,
                    fix:
                        `make the remote secret's server reachable from istiod's pod (set remoteSecretServer on "${cluster.name}" to an ` +
                        `address the control plane reaches, not a loopback one) and check the CA and the reader's token`,
                }),
            ];
        default:
            return [
                finding("fail", {
                    cluster: cluster.name,
                    object: secret,
                    message: `istiod reports cluster ${id} "${entry.syncStatus}"`,
                    fix: "check the remote secret and istiod's log",
                }),
            ];
    }
}

function remoteClusters(d: Declaration, facts: MeshFacts): CheckResult {
    const held = new Set(facts.remoteSecrets.flatMap((s) => s.clusterIds));
    const remote = [...d.clusters].filter(([name]) => name !== facts.controlPlane);
    return withIstiod("remote-clusters", facts, (view) =>
        remote.flatMap(([name, clusterId]) =>
            remoteClusterFindings({ name, clusterId }, held.has(clusterId), view, d.remoteSecrets, facts.namespace),
        ),
    );
}

/** Text of an endpoint as istiod lists it. */
const at = (e: { address: string; port: number }) => `${e.address.includes(":") ? `[${e.address}]` : e.address}:${e.port}`;

export const isIp = (address: string) => /^[\d.]+$/.test(address) || address.includes(":");

/**
 * Findings about the gateways of `networks` in one istiod's gateway table: a joined network has exactly its
 * published endpoints, once each (a hostname: at least one address it resolves to), and no gateway from a labelled
 * Service or Gateway; a network outside the interconnect has only the discard address. Also what the interconnect's
 * provider waits on.
 */
export function gatewayFindings(
    networks: { joined: Map<string, GatewayEndpoint[]>; outside: string[] },
    view: Pick<IstiodView, "gateways">,
    clusterName: (id: string) => string = (id) => id,
    /** Joined networks still listed beside the discard address on purpose (a hostname gateway istiod must resolve first). */
    staged: string[] = [],
    /** The labelled Services of the clusters that could be read, by cluster name (to name the one to fix). */
    labelledServices: (cluster: string) => { object: string; network: string }[] = () => [],
): Finding[] {
    const findings: Finding[] = [];
    const of = (n: string) => view.gateways.filter((g) => g.Network === n);
    const labelled = (n: string) =>
        of(n)
            .filter((g) => g.Cluster !== "")
            .map((g) => {
                const service = labelledServices(clusterName(g.Cluster)).find((s) => s.network === n)?.object;
                const [ns, name] = service?.replace(/^Service /, "").split("/") ?? ["<namespace>", "<name>"];
                return finding("fail", {
                    cluster: clusterName(g.Cluster),
                    object: service ?? `network ${n}`,
                    message:
                        `istiod also registers gateway ${at({ address: g.Addr, port: g.Port })} of network "${n}" from cluster ` +
                        `"${g.Cluster}": ${service ?? "a Service exposing 15443 or a Gateway"} there is labelled topology.istio.io/network=${n}, so the ` +
                        `network is reachable there whatever the interconnect says, and sidecars get its gateways twice`,
                    fix: `remove that label (kubectl -n ${ns} label service ${name} topology.istio.io/network-); meshNetworks alone registers the gateway`,
                });
            });
    for (const [n, published] of networks.joined) {
        const fromMesh = of(n).filter((g) => g.Cluster === "");
        for (const e of published) {
            const same = fromMesh.filter(
                (g) => g.Port === e.port && (isIp(e.address) ? g.Addr === e.address : g.Addr !== isolationAddress),
            );
            if (same.length === 0) {
                findings.push(
                    finding("fail", {
                        object: `network ${n}`,
                        message: isIp(e.address)
                            ? `istiod has no gateway ${at(e)} for network "${n}", which the interconnect publishes`
                            : `istiod has no address for gateway ${e.address}:${e.port} of network "${n}": it drops a hostname it cannot ` +
                              `resolve (with its own DNS, not /etc/hosts), and a network left without a gateway has its Pod IPs served to others`,
                        fix: isIp(e.address)
                            ? "wait for istiod to reload meshNetworks (check --wait 30), or run pulumi up if meshNetworks was edited"
                            : `make ${e.address} resolvable from istiod's pod (a DNS record of the load balancer), or give the gateway an IP`,
                    }),
                );
            } else if (isIp(e.address) && same.length > 1) {
                findings.push(
                    finding("fail", {
                        object: `network ${n}`,
                        message: `istiod lists gateway ${at(e)} of network "${n}" ${same.length} times: sidecars weigh it that much more`,
                        fix: "remove the duplicate from meshNetworks",
                    }),
                );
            }
        }
        const discard = fromMesh.filter((g) => g.Addr === isolationAddress);
        if (discard.length && !staged.includes(n))
            findings.push(
                finding("fail", {
                    object: `network ${n}`,
                    message: `istiod still has the discard address ${isolationAddress} for network "${n}", which is in the interconnect`,
                    fix: "wait for istiod to reload meshNetworks (check --wait 30)",
                }),
            );
        findings.push(...labelled(n));
    }
    for (const n of networks.outside) {
        const real = of(n).filter((g) => g.Cluster === "" && g.Addr !== isolationAddress);
        if (real.length)
            findings.push(
                finding("fail", {
                    object: `network ${n}`,
                    message:
                        `network "${n}" is outside the interconnect, but istiod has gateway(s) ${real.map((g) => at({ address: g.Addr, port: g.Port })).join(", ")} ` +
                        `for it: other networks reach its Pods`,
                    fix: "run pulumi up: meshNetworks was changed by hand",
                }),
            );
        else if (!of(n).some((g) => g.Addr === isolationAddress))
            findings.push(
                finding("fail", {
                    object: `network ${n}`,
                    message:
                        `network "${n}" is outside the interconnect, but istiod has no discard gateway ${isolationAddress} for it: ` +
                        `in sidecar mode it then serves the network's Pod IPs to the others, as if the networks were one`,
                    fix: "wait for istiod to reload meshNetworks (check --wait 30), or run pulumi up if its entry was removed",
                }),
            );
        findings.push(...labelled(n));
    }
    return findings;
}

function gateways(d: Declaration, facts: MeshFacts): CheckResult {
    const outside = [...d.groups.keys()].filter((n) => !d.joined.has(n));
    return withIstiod("gateways", facts, (view) =>
        gatewayFindings({ joined: d.joined, outside }, view, nameById(d), [], (c) => facts.clusters[c]?.labelledServices ?? []),
    );
}

/** Member clusters by access: their facts, or a skip finding naming the flag. */
function memberClusters(
    d: Declaration,
    facts: MeshFacts,
    what: string,
): { name: string; network: string; facts?: ClusterFacts; skip?: Finding }[] {
    return [...networkOf(d)]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, network]) => {
            const f = facts.clusters[name];
            if (!f) return { name, network, skip: skipped(name, what) };
            if (f.error)
                return {
                    name,
                    network,
                    skip: finding("skip", { cluster: name, message: `not checked: ${f.error}`, fix: "check the kubeconfig" }),
                };
            return { name, network, facts: f };
        });
}

function perMember(
    id: CheckId,
    d: Declaration,
    facts: MeshFacts,
    what: string,
    judge: (m: { name: string; network: string; facts: ClusterFacts }) => Finding[],
    /** Whether a readable member has anything to judge (a gateway, for the gateway's checks). */
    relevant: (f: ClusterFacts) => boolean = () => true,
) {
    const members = memberClusters(d, facts, what);
    const readable = members.filter((m) => m.facts && relevant(m.facts));
    const findings = members.flatMap((m) => (m.facts ? judge({ ...m, facts: m.facts }) : [m.skip!]));
    return result(id, findings, readable.length > 0);
}

function gatewayAddresses(d: Declaration, facts: MeshFacts): CheckResult {
    const members = memberClusters(d, facts, "a gateway Service's address").filter((m) => !m.facts || m.facts.gateway);
    if (facts.istiod.views.length === 0)
        return result(
            "gateway-addresses",
            [finding("skip", { message: "istiod could not be reached (see control-plane)", fix: "fix control-plane first" })],
            false,
        );
    const findings = members.flatMap((m): Finding[] => {
        if (!m.facts) return [m.skip!];
        const gw = m.facts.gateway!;
        const network = gw.network ?? m.network;
        if (!d.joined.has(network)) return [];
        const object = `Service istio-system/istio-eastwestgateway`;
        if (!gw.endpoint)
            return [
                finding("fail", {
                    cluster: m.name,
                    object,
                    message: `the gateway of joined network "${network}" has no load-balancer address now`,
                    fix: "check the load balancer (kubectl -n istio-system describe service istio-eastwestgateway)",
                }),
            ];
        const published = d.joined.get(network)!;
        // By address: the published port may be a NAT's (the gateway's `port`).
        const listed = facts.istiod.views.every((v) =>
            v.gateways.some((g) => g.Network === network && g.Cluster === "" && g.Addr === gw.endpoint!.address),
        );
        const inPublished = published.some((e) => e.address === gw.endpoint!.address);
        if (listed) return [];
        // A user may publish a subset (members[].addresses); only an address istiod lacks while the interconnect names it, or
        // one the interconnect no longer names for this gateway, is stale.
        const hostname = !isIp(gw.endpoint.address);
        if (hostname && published.some((e) => e.address === gw.endpoint!.address)) return [];
        return [
            finding("fail", {
                cluster: m.name,
                object,
                message:
                    `the gateway's load-balancer address is ${gw.endpoint.address} now, but istiod has ${
                        facts.istiod.views[0].gateways
                            .filter((g) => g.Network === network && g.Cluster === "")
                            .map((g) => at({ address: g.Addr, port: g.Port }))
                            .join(", ") || "no gateway"
                    } for network "${network}"` +
                    (inPublished ? " (istiod has not reloaded yet)" : ": the address changed behind the program's back"),
                fix: inPublished ? "wait (check --wait 30)" : "run pulumi up (it reads the new address and publishes it)",
            }),
        ];
    });
    return result(
        "gateway-addresses",
        findings,
        members.some((m) => m.facts),
    );
}

function networkLabels(d: Declaration, facts: MeshFacts): CheckResult {
    return perMember("network-labels", d, facts, "the namespace label", (m) =>
        m.facts.networkLabel === m.network
            ? []
            : [
                  finding("fail", {
                      cluster: m.name,
                      object: `Namespace ${facts.namespace}`,
                      message: `its label topology.istio.io/network is ${m.facts.networkLabel ? `"${m.facts.networkLabel}"` : "missing"}, but the cluster is in group "${m.network}"`,
                      fix: "run pulumi up (it puts the group's label back)",
                  }),
              ],
    );
}

/** What the preview refuses (a group whose network the injector contradicts) and `check` reports: one rule. */
export function injectionProblem(cluster: string, network: string, injected: { source: string; network: string }[]): string | undefined {
    const other = injected.filter((i) => i.network !== network);
    if (other.length === 0) return undefined;
    return (
        `the sidecar injector of cluster "${cluster}" gives its Pods network ${other.map((i) => `"${i.network}" (${i.source})`).join(" and ")}, ` +
        `not the group's "${network}": a Pod's network label wins over the namespace's, so istiod would count those Pods in ` +
        `"${other[0].network}" and serve their IPs to other networks directly`
    );
}

export const injectionFix = (cluster: string, network: string, injected: string) =>
    `name the group after the install's network ("${injected}"), or change the install of "${cluster}" to give Pods "${network}" ` +
    `(values.global.network, or the injection path /inject/cluster/<id>/net/${network}) and restart its workloads`;

function injectionNetwork(d: Declaration, facts: MeshFacts): CheckResult {
    return perMember("injection-network", d, facts, "the injector's settings", (m) => {
        const problem = injectionProblem(m.name, m.network, m.facts.injectorNetworks);
        if (problem)
            return [
                finding("fail", {
                    cluster: m.name,
                    object: m.facts.injectorNetworks.find((i) => i.network !== m.network)!.source,
                    message: problem,
                    fix: injectionFix(m.name, m.network, m.facts.injectorNetworks.find((i) => i.network !== m.network)!.network),
                }),
            ];
        if (m.facts.injectorNetworks.length > 0) return [];
        return [
            finding("warn", {
                cluster: m.name,
                message: `its sidecar injector gives Pods no network: ${unnetworkedSidecars}`,
                fix: `install Istio on "${m.name}" with values.global.network=${m.network} (or the injection path /inject/cluster/<id>/net/${m.network}) and restart its workloads`,
            }),
        ];
    });
}

function endpoints(d: Declaration, facts: MeshFacts): CheckResult {
    const networkByName = networkOf(d);
    const name = nameById(d);
    return withIstiod("endpoints", facts, (view) => {
        const wrong = new Map<string, HeldEndpoint[]>();
        for (const e of view.endpoints) {
            const expected = networkByName.get(name(e.cluster));
            if (expected === undefined || e.network === expected) continue;
            const key = `${e.cluster}\0${e.network}`;
            wrong.set(key, [...(wrong.get(key) ?? []), e]);
        }
        return [...wrong.values()].map((list) => {
            const { cluster, network } = list[0];
            const expected = networkByName.get(name(cluster))!;
            const examples = list
                .slice(0, 3)
                .map((e) => `${e.address} (${e.service.split(".")[0]}.${e.namespace})`)
                .join(", ");
            return finding("fail", {
                cluster: name(cluster),
                object: `network ${network || "(none)"}`,
                message:
                    `istiod holds ${list.length} endpoint(s) of cluster "${name(cluster)}" in network ${network ? `"${network}"` : "(none)"}, e.g. ${examples}, ` +
                    `but the cluster is in group "${expected}": their Pods carry their own topology.istio.io/network label (the injector's), ` +
                    `so other networks reach them as the wrong network`,
                fix: `give the injector of "${name(cluster)}" the network "${expected}" (see injection-network) and restart those workloads`,
            });
        });
    });
}

function staleProxies(d: Declaration, facts: MeshFacts): CheckResult {
    const networkByName = networkOf(d);
    const name = nameById(d);
    return withIstiod("stale-proxies", facts, (view) => {
        const stale = new Map<string, ConnectedProxy[]>();
        for (const p of view.proxies) {
            const expected = networkByName.get(name(p.cluster));
            if (p.type !== "sidecar" || p.network === "" || expected === undefined || p.network === expected) continue;
            const key = `${p.cluster}\0${p.network}`;
            stale.set(key, [...(stale.get(key) ?? []), p]);
        }
        return [...stale.values()].map((list) => {
            const { cluster, network } = list[0];
            const expected = networkByName.get(name(cluster))!;
            return finding("fail", {
                cluster: name(cluster),
                object: list.map((p) => p.id).join(", "),
                message:
                    `${list.length} connected sidecar(s) of cluster "${name(cluster)}" still call themselves part of network "${network}", but the ` +
                    `cluster is in group "${expected}" now (a proxy's network is fixed when its Pod is injected): they reach their own ` +
                    `group's Pods through a gateway and the old network's directly`,
                fix: `restart those workloads (kubectl -n <namespace> rollout restart deployment <name>) once the injector gives "${expected}"`,
            });
        });
    });
}

function trust(facts: MeshFacts): CheckResult {
    const cp = facts.clusters[facts.controlPlane];
    const root = cp?.rootCerts;
    if (!root)
        return result(
            "trust",
            [
                finding(cp ? "warn" : "skip", {
                    cluster: facts.controlPlane,
                    object: `ConfigMap ${facts.namespace}/istio-ca-root-cert`,
                    message: cp ? "the control plane has no root certificate ConfigMap (istiod writes it when it is the CA)" : "not read",
                    fix: cp ? "check istiod's CA (a cacerts Secret, or its own)" : accessFix(facts.controlPlane),
                }),
            ],
            !!cp,
        );
    const findings = Object.entries(facts.clusters)
        .filter(([name]) => name !== facts.controlPlane)
        .flatMap(([name, f]): Finding[] => {
            if (f.error) return [finding("skip", { cluster: name, message: `not checked: ${f.error}`, fix: "check the kubeconfig" })];
            const object = `ConfigMap ${facts.namespace}/istio-ca-root-cert`;
            if (!f.rootCerts)
                return [
                    finding("warn", {
                        cluster: name,
                        object,
                        message: "no root certificate here: istiod did not write it, so sidecars on this cluster cannot verify istiod",
                        fix:
                            `run istiod with EXTERNAL_ISTIOD=true and annotate ${facts.namespace} on "${name}" with ` +
                            `topology.istio.io/controlPlaneClusters=<istiod's cluster ID>, as Istio's primary-remote install does`,
                    }),
                ];
            if (f.rootCerts.some((c) => root.includes(c))) return [];
            return [
                finding("fail", {
                    cluster: name,
                    object,
                    message: "its root certificate is not the control plane's: workloads here and there do not trust each other's mTLS",
                    fix: "plug one root of trust into every cluster's istiod (a cacerts Secret from one root CA) and restart the workloads",
                }),
            ];
        });
    return result("trust", findings);
}

function gatewayPods(d: Declaration, facts: MeshFacts): CheckResult {
    return perMember(
        "gateway-pods",
        d,
        facts,
        "the gateway Deployment",
        (m) => {
            const gw = m.facts.gateway;
            if (!gw) return [];
            const object = "Deployment istio-system/istio-eastwestgateway";
            if (gw.available === 0)
                return [
                    finding("fail", {
                        cluster: m.name,
                        object,
                        message: `no gateway Pod is available (${gw.replicas} wanted): nothing reaches the group through this gateway`,
                        fix: "kubectl -n istio-system describe deployment istio-eastwestgateway (is the injector running? the image pullable?)",
                    }),
                ];
            if (gw.available < gw.replicas)
                return [
                    finding("warn", {
                        cluster: m.name,
                        object,
                        message: `${gw.available} of ${gw.replicas} gateway Pods are available`,
                        fix: "kubectl -n istio-system describe deployment istio-eastwestgateway",
                    }),
                ];
            return [];
        },
        (f) => f.gateway !== undefined,
    );
}

function ambient(facts: MeshFacts): CheckResult {
    const env = facts.deployment?.env;
    if (!env)
        return result(
            "ambient",
            [finding("skip", { cluster: facts.controlPlane, message: "istiod's Deployment was not read", fix: "see control-plane" })],
            false,
        );
    const on = env.PILOT_ENABLE_AMBIENT === "true" && env.AMBIENT_ENABLE_MULTI_NETWORK === "true";
    return result(
        "ambient",
        on
            ? [
                  finding("warn", {
                      cluster: facts.controlPlane,
                      object: `Deployment ${facts.namespace}/${facts.deployment!.name}`,
                      message:
                          "istiod runs with AMBIENT_ENABLE_MULTI_NETWORK: gateways and other routers then use only HBONE east-west gateways and " +
                          "ignore these 15443 ones, and sidecars drop endpoints of networks without a gateway",
                      fix: "unset AMBIENT_ENABLE_MULTI_NETWORK for a mesh in sidecar mode",
                  }),
              ]
            : [],
    );
}

/** Every check of the mesh, in order. */
export function evaluate(facts: MeshFacts): Report {
    const d = declaration(facts.ledgers);
    return {
        mesh: facts.meshId,
        checks: [
            controlPlane(d, facts),
            remoteClusters(d, facts),
            gateways(d, facts),
            gatewayAddresses(d, facts),
            networkLabels(d, facts),
            injectionNetwork(d, facts),
            endpoints(d, facts),
            staleProxies(d, facts),
            trust(facts),
            gatewayPods(d, facts),
            ambient(facts),
        ],
    };
}

/** Whether a report fails (exit 1). */
export const fails = (r: Report) => r.checks.some((c) => c.status === "fail");
