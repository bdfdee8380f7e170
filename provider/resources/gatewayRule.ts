// The "enable" switch: the cross-network Gateway Rule on the control-plane cluster. Deleting it (disabling)
// is refused while any network group of the mesh still labels a cluster, whichever stack made it.
import type * as pulumi from "@pulumi/pulumi";
import type { Cluster } from "../kube";
import { UserError } from "../errors";
import { labels, gatewayRuleName } from "../../core/names";
import { permissions } from "../../core/permissions";
import { gatewayRule, gatewayRuleSpec, KubeObject } from "../../core/render";
import {
    missingPermissions,
    applyAs,
    deleteIfOwned,
    deleting,
    assertOwned,
    AwaitIstiod,
    notOwned,
    cluster,
    CommonInputs,
    forEachCluster,
    hasUnknowns,
    noIstioNamespace,
    ownership,
    ownerValue,
    sameJson,
    replacedBy,
    stateToRead,
    changedInputs,
    DiffKeys,
} from "./common";
import { meshConfigMissing, meshNetworksOf, readMeshConfig, updateLedger } from "./ledger";
import type { DeclaredMesh } from "../../core/meshNetworks";
import { clusterIdProblem } from "../../core/validate";

export interface GatewayRuleInputs extends CommonInputs {
    controlPlaneCluster: string;
    /** The control-plane cluster's Istio cluster ID: istiod's CLUSTER_ID must be the same. */
    controlPlaneClusterId: string;
    /** istiod's Deployment, where its CLUSTER_ID is read. */
    deployment: string;
    /** The mesh ConfigMap, which groups and the interconnect write meshNetworks into. */
    configMap: string;
    namespace: string;
    /** Every cluster of the mesh, searched for network groups before disabling. */
    clusters: string[];
    /** Each cluster's Istio cluster ID, by name (recorded in the ledger for `pulumi-multinet check`). */
    clusterIds?: Record<string, string>;
    remoteSecrets?: "managed" | "external";
    /** How the mesh's resources wait for istiod (its permissions are checked at preview); absent: they do not. */
    istiod?: AwaitIstiod;
}

export interface GatewayRuleOutputs extends GatewayRuleInputs {
    gatewayRule: string;
    /** The rule's spec as last seen in the cluster; null when it was deleted by hand. */
    liveSpec: unknown;
}

const gvk = { apiVersion: "networking.istio.io/v1", kind: "Gateway" };

/** A check failure: the input it is about (the engine shows its value; "" for none) and why. */
type Problem = pulumi.dynamic.CheckFailure;
const problem = (property: keyof GatewayRuleInputs | "", reason: string): Problem => ({ property, reason });

/** Istio's cluster ID when CLUSTER_ID is not set (pilot/pkg/features: constants.DefaultClusterName). */
const istioDefaultClusterId = "Kubernetes";

/**
 * Why the control plane is not as the program describes it, or undefined: its mesh ConfigMap and Deployment exist,
 * and istiod knows its cluster by the ID the program gives it (istiod reads its own cluster as CLUSTER_ID; remote
 * secrets and endpoint metadata use the same IDs, so they must agree).
 */
async function controlPlaneProblem(news: GatewayRuleInputs): Promise<Problem | undefined> {
    const c = cluster(news, news.controlPlaneCluster);
    const [deployment, configMap] = await Promise.all([
        c.get<KubeObject>("apps/v1", "Deployment", news.deployment, news.namespace),
        readMeshConfig(news),
    ]);
    if (!configMap) return problem("configMap", `cluster "${news.controlPlaneCluster}": ${meshConfigMissing(news)}`);
    try {
        meshNetworksOf(configMap, news);
    } catch (e) {
        return problem("configMap", (e as Error).message);
    }
    if (!deployment) {
        return problem(
            "deployment",
            `the control plane's Deployment ${news.namespace}/${news.deployment} does not exist on cluster "${news.controlPlaneCluster}"; ` +
                `is istiod installed there? Set controlPlane.deployment to its name`,
        );
    }
    const containers: any[] = (deployment as any).spec?.template?.spec?.containers ?? [];
    const env = containers.flatMap((c) => c.env ?? []).find((e: any) => e.name === "CLUSTER_ID");
    if (env && env.value === undefined) return undefined; // set from elsewhere (valueFrom): nothing to compare
    const running = env?.value ?? istioDefaultClusterId;
    if (running === news.controlPlaneClusterId) return undefined;
    // The advice must be one the program's rules accept (clusterIdProblem): never "set X" where X is refused.
    const fix =
        clusterIdProblem(running, true) === undefined
            ? `set clusterId: "${running}" on cluster "${news.controlPlaneCluster}"`
            : `that CLUSTER_ID is not a label value, so no Istio cluster ID can match it: reinstall istiod with ` +
              `values.global.multiCluster.clusterName set to one (e.g. "cluster1")`;
    return problem(
        "controlPlaneClusterId",
        `istiod (Deployment ${news.namespace}/${news.deployment} on cluster "${news.controlPlaneCluster}") runs with CLUSTER_ID "${running}", ` +
            `but the program gives that cluster ` +
            `the Istio cluster ID "${news.controlPlaneClusterId}". Istio names clusters by these IDs (remote secrets, ` +
            `endpoints); ${fix}`,
    );
}

const takenHint = "Delete it, or enable multi-networking from the stack that made it.";

async function liveRule(c: Cluster, inputs: GatewayRuleInputs): Promise<KubeObject | undefined> {
    return c.get<KubeObject>(gvk.apiVersion, gvk.kind, gatewayRuleName, inputs.namespace);
}

function ledgerRef(inputs: GatewayRuleInputs) {
    return { ...inputs, controlPlaneCluster: inputs.controlPlaneCluster, namespace: inputs.namespace, configMap: inputs.configMap };
}

function declaredMesh(inputs: GatewayRuleInputs): DeclaredMesh {
    return {
        controlPlane: inputs.controlPlaneCluster,
        deployment: inputs.deployment,
        clusters: inputs.clusterIds ?? Object.fromEntries(inputs.clusters.map((c) => [c, c])),
        remoteSecrets: inputs.remoteSecrets ?? "managed",
    };
}

async function apply(inputs: GatewayRuleInputs): Promise<GatewayRuleOutputs> {
    const c = cluster(inputs, inputs.controlPlaneCluster);
    assertOwned(c, await liveRule(c, inputs), ownerValue(inputs), takenHint);
    const applied = await applyAs<KubeObject>(c, gatewayRule(ownership(inputs), inputs.namespace), ownerValue(inputs), true);
    await updateLedger(ledgerRef(inputs), (l) => ({ ...l, mesh: declaredMesh(inputs) }));
    return { ...inputs, gatewayRule: `${inputs.namespace}/${gatewayRuleName}`, liveSpec: applied.spec };
}

const diffKeys: DiffKeys<GatewayRuleInputs, GatewayRuleOutputs> = {
    replace: ["controlPlaneCluster", "namespace", "meshId"],
    outputs: { gatewayRule: true, liveSpec: true },
    ignore: [
        // How the mesh's resources wait for istiod: only check reads it here (the engine checks on any new input).
        "istiod",
    ],
};

export const gatewayRuleProvider = {
    /**
     * At preview: every declared cluster's kubeconfig parses, reaches its API server and may read the Istio
     * namespace, and istiod knows the control-plane cluster by the ID the program gives it.
     */
    async check(_olds: GatewayRuleInputs | undefined, news: GatewayRuleInputs) {
        if (hasUnknowns(news.kubeconfigs)) return { inputs: news };
        const problems = await forEachCluster(news.clusters, async (name): Promise<Problem[]> => {
            try {
                const c = cluster(news, name);
                const ns = await c.get("v1", "Namespace", news.namespace);
                if (!ns) return [problem("namespace", noIstioNamespace(name, news.namespace))];
                const isControlPlane = name === news.controlPlaneCluster;
                const portForward = isControlPlane && news.istiod && !news.istiod.debugUrl;
                const needs = [
                    ...permissions.everyCluster,
                    ...(isControlPlane ? permissions.controlPlane : []),
                    ...(portForward ? permissions.istiod : []),
                ];
                const missing = (await missingPermissions(c, needs, news.namespace)).map((m) => problem("", m));
                const found = isControlPlane ? await controlPlaneProblem(news) : undefined;
                const taken = isControlPlane ? notOwned(c, await liveRule(c, news), ownerValue(news), takenHint) : undefined;
                return [...missing, ...(found ? [found] : []), ...(taken ? [problem("", taken)] : [])];
            } catch (e) {
                return [problem("", (e as Error).message)]; // the kubeconfig or the API server: no input to point at
            }
        });
        const failures = problems.flat().map((p) => ({ ...p, reason: `MultiNetworking of mesh "${news.meshId}": ${p.reason}` }));
        return { inputs: news, failures };
    },

    async create(inputs: GatewayRuleInputs) {
        const outs = await apply(inputs);
        return { id: `${inputs.controlPlaneCluster}/${outs.gatewayRule}`, outs };
    },

    async diff(_id: string, olds: GatewayRuleOutputs, news: GatewayRuleInputs) {
        const replaces = replacedBy(olds, news, diffKeys.replace);
        const changes =
            replaces.length > 0 || !sameJson(olds.liveSpec, gatewayRuleSpec()) || changedInputs(olds, news, diffKeys).length > 0;
        return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.controlPlaneCluster === news.controlPlaneCluster };
    },

    async update(_id: string, olds: GatewayRuleOutputs, news: GatewayRuleInputs) {
        const outs = await apply(news);
        // The mesh record moves with the mesh ConfigMap (a new revision's): the old one keeps no trace of this mesh.
        // (A state from before 0.2 has no configMap: its record was never written.)
        if (olds.configMap !== undefined && olds.configMap !== news.configMap)
            await updateLedger(ledgerRef(olds), (l) => ({ ...l, mesh: undefined }), true);
        return { outs };
    },

    async read(id: string, recorded?: GatewayRuleOutputs) {
        const props = stateToRead("GatewayRule", id, recorded);
        const c = cluster(props, props.controlPlaneCluster);
        const live = await c.get<KubeObject>(gvk.apiVersion, gvk.kind, gatewayRuleName, props.namespace);
        return { id, props: { ...props, liveSpec: live?.spec ?? null } };
    },

    async delete(_id: string, props: GatewayRuleOutputs): Promise<void> {
        const selector = `${labels.mesh}=${props.meshId},${labels.networkGroup}`;
        const groups = (
            await forEachCluster(props.clusters, async (name) => {
                let found: string[] = [];
                // A cluster gone for good has no group left to keep (under the opt-in; see common.ts, deleting).
                await deleting(cluster(props, name), "nothing (it is only searched for network groups)", async () => {
                    const namespaces = await cluster(props, name).list<KubeObject>("v1", "Namespace", selector);
                    found = namespaces.map((ns) => `"${ns.metadata.labels?.[labels.networkGroup]}" on cluster "${name}"`);
                });
                return found;
            })
        ).flat();
        if (groups.length > 0) {
            throw new UserError(
                `multi-networking of mesh "${props.meshId}" cannot be disabled while network groups exist: ${groups.join(", ")}. ` +
                    `Delete every NetworkGroup of the mesh first (also those of other stacks), then disable it.`,
            );
        }
        const c = cluster(props, props.controlPlaneCluster);
        await deleteIfOwned(c, { ...gvk, metadata: { name: gatewayRuleName, namespace: props.namespace } }, ownerValue(props));
        await updateLedger(ledgerRef(props), (l) => ({ ...l, mesh: undefined }), true);
    },
} satisfies pulumi.dynamic.ResourceProvider<GatewayRuleInputs, GatewayRuleOutputs>;
