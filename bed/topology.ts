// Drives bed/programs/topology: a stack whose whole topology is one JSON config value (tests and the benchmark).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { auditCounts } from "./audit";
import { BedCluster, bedEndpoint, BedState, readState } from "./state";
import { kubeRequest } from "./kubeapi";
import { istioMeshConfig, istiodDeployment } from "./seed";
import { PreviewJson, RunResult, Stack } from "./stack";
import { annotations, labels } from "../core/names";
import type {
    ControlPlaneRestart,
    GatewayServiceType,
    MeshCluster,
    MeshGateway,
    MeshGroup,
    MeshInterconnect,
    RemoteSecrets,
} from "../sdk/mesh";

/** A mesh as the Mesh component takes it, minus kubeconfigs (the program takes the bed's), plus more meshes. */
export interface Topology {
    meshId: string;
    /** No cluster: a group stack of a mesh split across stacks (it exports `groupExports`). */
    controlPlane: { cluster?: string };
    clusters: Omit<MeshCluster, "kubeconfig">[];
    remoteSecrets?: `${RemoteSecrets}`;
    skipAwait?: boolean;
    awaitTimeoutSeconds?: number;
    remoteSecretRotation?: string;
    /** More meshes in the same program (their groups only; resource names must differ from this mesh's). */
    otherMeshes?: Topology[];
    groups: MeshGroup[];
    gateways: (Omit<MeshGateway, "serviceType"> & { serviceType?: `${GatewayServiceType}` })[];
    interconnect?: Omit<MeshInterconnect, "controlPlaneRestart"> & { controlPlaneRestart?: `${ControlPlaneRestart}` };
    /**
     * In a hub stack: groups other stacks manage, each a NetworkGroupReference to the group `name` that the stack
     * `stack` (fully qualified) exports; an interconnect member names it as a group (its gateways are ignored).
     */
    references?: { name: string; stack: string }[];
}

export const topologyProgram = path.join(__dirname, "programs", "topology");

/** Bed cluster N is named `cluster-N`. */
export const clusterName = (n: number) => `cluster-${n}`;

export class TopologyStack extends Stack {
    /**
     * `install`, what each bed cluster's sidecar injector gives Pods before each preview and update: "follows groups",
     * the network of the group the topology puts the cluster in (none when in none), as a multi-network Istio install
     * does and as its owner would change it before moving a cluster; "no network", none, as a default install; "as
     * is", whatever the test set.
     */
    constructor(
        prefix: string,
        private readonly install: "follows groups" | "no network" | "as is" = "follows groups",
    ) {
        super(topologyProgram, prefix);
    }

    /** `kubeconfigOf`: the kubeconfig the program gets for a cluster (default: the bed's admin kubeconfig file). */
    async create(
        clusterCount = readState()!.clusters.length,
        kubeconfigOf = (c: BedCluster) => fs.readFileSync(c.kubeconfig, "utf8"),
    ): Promise<void> {
        await this.createFor(
            readState()!
                .clusters.slice(0, clusterCount)
                .map((c) => c.index),
            kubeconfigOf,
        );
    }

    /** A stack holding the kubeconfigs of bed clusters `clusters` (numbers) only. */
    async createFor(clusters: number[], kubeconfigOf = (c: BedCluster) => fs.readFileSync(c.kubeconfig, "utf8")): Promise<void> {
        const state = readState()!;
        const kubeconfigs = Object.fromEntries(clusters.map((n) => state.clusters[n - 1]).map((c) => [c.name, kubeconfigOf(c)]));
        await this.init({ kubeconfigs: { value: JSON.stringify(kubeconfigs), secret: true } });
    }

    /** The fully qualified name other stacks reference it by (a StackReference on the bed's backend). */
    get qualifiedName(): string {
        return `organization/multinet-topology/${this.name}`;
    }

    async setTopology(t: Topology): Promise<void> {
        if (this.install !== "as is") {
            const live = new Live();
            const groups = this.install === "follows groups" ? [t, ...(t.otherMeshes ?? [])].flatMap((m) => m.groups) : [];
            await Promise.all(
                live.state.clusters.map((c) => {
                    const group = groups.find((g) => g.clusters.includes(c.name));
                    // A cluster a test has stopped keeps its install as it was.
                    return live.setInjectionNetwork(c.index, group && (group.networkName ?? group.name)).catch(() => undefined);
                }),
            );
        }
        await this.ok(["config", "set", "--plaintext", "topology", "--", JSON.stringify(t)]);
    }

    async previewOf(t: Topology): Promise<PreviewJson> {
        await this.setTopology(t);
        return this.preview();
    }

    async apply(t: Topology): Promise<RunResult> {
        await this.setTopology(t);
        return this.up();
    }
}

/** An interconnect of `groups`, each through its gateway `gw-<group>` (the suites' naming). */
export const joined = (...groups: string[]) => ({ members: groups.map((g) => ({ group: g, gateways: [`gw-${g}`] })) });

/** Groups "east" (clusters 1 and 2, its gateway on 2) and "west" (cluster 3), both joined: the quickstart's core. */
export const eastWest = (): Pick<Topology, "groups" | "gateways" | "interconnect"> => ({
    groups: [
        { name: "east", clusters: [clusterName(1), clusterName(2)] },
        { name: "west", clusters: [clusterName(3)] },
    ],
    gateways: [
        { name: "gw-east", group: "east", cluster: clusterName(2) },
        { name: "gw-west", group: "west", cluster: clusterName(3) },
    ],
    interconnect: joined("east", "west"),
});

export function warnings(p: PreviewJson): string[] {
    return (p.diagnostics ?? []).filter((d) => d.severity === "warning").map((d) => d.message.trim());
}

export function errors(p: PreviewJson): string[] {
    return (p.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => d.message.trim());
}

/** The Istio namespace's API path, where most of what we write lives. */
export const istioNs = "/api/v1/namespaces/istio-system";

/** Every collection pulumi-multinet writes to (objects it makes carry its managed-by label). */
const managedCollections = [
    `${istioNs}/services`,
    `${istioNs}/serviceaccounts`,
    `${istioNs}/secrets`,
    `${istioNs}/configmaps`,
    "/apis/apps/v1/namespaces/istio-system/deployments",
    "/apis/policy/v1/namespaces/istio-system/poddisruptionbudgets",
    "/apis/networking.istio.io/v1/namespaces/istio-system/gateways",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
];

/** Bed cluster number -> [the network its injector gives Pods, the Istio cluster ID the program gives it]. */
export type Install = Record<number, [string, string?]>;

/** The install of examples/quickstart's groups (cluster "hosted" is the bed's cluster-1). */
export const quickstartInstall: Install = { 1: ["east"], 2: ["east", "east-1"], 3: ["west", "west-1"], 4: ["south", "south-1"] };

/** The install of the docs' example (docs/_index.md): the quickstart without group "south". */
export const docsExampleInstall: Install = { 1: ["east"], 2: ["east", "east-1"], 3: ["west", "west-1"] };

/** Reads straight from a bed API server with the bed's own user (kept out of the audit counts). */
export class Live {
    readonly state: BedState = readState()!;

    /**
     * The objects pulumi-multinet made on bed clusters `clusters` (those of `owner` only, when given), as
     * `cluster-N/<resource>/<name>`, sorted.
     */
    async managedObjects(clusters: number[], owner?: string): Promise<string[]> {
        const found: string[] = [];
        const selector = `?labelSelector=${encodeURIComponent(`${labels.managedBy}=pulumi-multinet`)}`;
        for (const n of clusters) {
            for (const collection of managedCollections) {
                for (const item of (await this.get(n, collection + selector)).items) {
                    if (!owner || item.metadata.annotations?.[annotations.owner] === owner)
                        found.push(`${clusterName(n)}/${collection.split("/").pop()}/${item.metadata.name}`);
                }
            }
        }
        return found.sort();
    }

    async get(cluster: number, apiPath: string): Promise<any | undefined> {
        const r = await kubeRequest(bedEndpoint(this.state, this.state.clusters[cluster - 1]), "GET", apiPath);
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw new Error(`GET ${apiPath} on cluster ${cluster}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
    }

    /** A request as the bed's admin; a DELETE of something already gone succeeds. */
    async send(cluster: number, method: string, apiPath: string, body?: unknown, contentType?: string): Promise<any> {
        const r = await kubeRequest(bedEndpoint(this.state, this.state.clusters[cluster - 1]), method, apiPath, body, contentType);
        if (r.status >= 300 && !(r.status === 404 && method === "DELETE"))
            throw new Error(`${method} ${apiPath} on cluster ${cluster}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
    }

    /** Istio's control plane as if installed on cluster `n` too (its mesh ConfigMap and istiod, CLUSTER_ID its name). */
    async installControlPlane(n: number): Promise<void> {
        await this.send(n, "POST", "/api/v1/namespaces/istio-system/configmaps", istioMeshConfig);
        await this.send(n, "POST", "/apis/apps/v1/namespaces/istio-system/deployments", istiodDeployment(clusterName(n)));
    }

    async removeControlPlane(n: number): Promise<void> {
        await this.send(n, "DELETE", "/api/v1/namespaces/istio-system/configmaps/istio");
        await this.send(n, "DELETE", "/apis/apps/v1/namespaces/istio-system/deployments/istiod");
    }

    /**
     * Has cluster `n`'s sidecar injector give Pods `network` (none: undefined), as a remote install's injection path
     * does (/inject/cluster/<id>/net/<network>, istiodRemote.injectionPath); `clusterId`: the Istio cluster ID the
     * program gives it (default: the bed's cluster-N).
     */
    async setInjectionNetwork(n: number, network: string | undefined, clusterId?: string): Promise<void> {
        const apiPath = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector";
        const config = await this.get(n, apiPath);
        if (!config) return; // an install without the injector (a test removed it)
        const id = clusterId ?? (n === 1 ? (this.state.istiod?.clusterId ?? clusterName(1)) : clusterName(n));
        const path = network ? `/inject/cluster/${id}/net/${network}` : "/inject";
        if (config.webhooks.every((w: any) => w.clientConfig.service.path === path)) return;
        for (const w of config.webhooks) w.clientConfig.service.path = path;
        await this.send(n, "PUT", apiPath, config);
    }

    /**
     * Each bed cluster's injector gives Pods the network `install` names for it (none where it names none), with the
     * Istio cluster ID given there: as Istio's multi-network guide installs clusters for a program's groups.
     */
    async install(install: Install): Promise<void> {
        for (const n of [1, 2, 3, 4]) await this.setInjectionNetwork(n, install[n]?.[0], install[n]?.[1]);
    }

    /** Sets `values.global.network` of the control plane's injector ConfigMap (a multi-network install's). */
    async setInjectorValuesNetwork(network: string): Promise<void> {
        const apiPath = "/api/v1/namespaces/istio-system/configmaps/istio-sidecar-injector";
        const cm = await this.get(1, apiPath);
        const values = JSON.parse(cm.data.values);
        values.global.network = network;
        await this.send(1, "PATCH", apiPath, { data: { values: JSON.stringify(values, null, 2) } }, "application/merge-patch+json");
    }

    async namespaceLabels(cluster: number, ns = "istio-system"): Promise<Record<string, string>> {
        return (await this.get(cluster, `/api/v1/namespaces/${ns}`)).metadata.labels ?? {};
    }

    async meshConfigMap(): Promise<any> {
        return this.get(1, "/api/v1/namespaces/istio-system/configmaps/istio");
    }

    async meshNetworks(): Promise<Record<string, any>> {
        const text = (await this.meshConfigMap()).data?.meshNetworks;
        return text ? (YAML.parse(text).networks ?? {}) : {};
    }

    /** Write requests (create, update, patch, delete) the admin user made on a cluster, from its audit log. */
    auditWrites(cluster: number): number {
        return auditCounts(this.state.clusters[cluster - 1].auditLog).writes;
    }
}
