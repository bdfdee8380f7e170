// `pulumi-multinet check`'s reads: the facts of a mesh (its ledgers on the control plane, istiod's Deployment and
// remote secrets, what istiod serves, and each cluster the user gave access to), judged by core/check.ts.
import { Cluster, ClusterAccess, ClusterError } from "./kube";
import { IstiodUnreachable, istiodViews } from "./istiod";
import { readGateway, readInjectorNetworks, readLabelledServices, readRootCerts } from "./inspect";
import { allLedgers } from "./resources/ledger";
import { ClusterFacts, evaluate, MeshFacts, Report } from "../core/check";
import type { Ledger } from "../core/meshNetworks";
import { labels } from "../core/names";
import type { KubeObject } from "../core/render";

export interface CheckOptions {
    /** The clusters the user gave access to, by their names in the mesh. */
    clusters: ClusterAccess[];
    /** The cluster that runs istiod (its name in the mesh). */
    controlPlane: string;
    /** The mesh to check; default: the only one found on the control plane. */
    meshId?: string;
    /** Istio's namespace. */
    namespace: string;
    /** istiod's debug URL when it is not a pod of the control-plane cluster. */
    istiodDebug?: string;
}

/** The check could not run at all (exit 2): bad flags, an unreachable control plane, no mesh. */
export class CheckCannotRun extends Error {}

/** The mesh id of a ledger's owner (`<project>/<stack>/<mesh>`). */
const meshOf = (l: Ledger) => l.owner.slice(l.owner.lastIndexOf("/") + 1);

/** Every pulumi-multinet mesh recorded on the control plane: mesh id -> its ledgers. */
async function meshes(cp: Cluster, namespace: string): Promise<Map<string, Ledger[]>> {
    let configMaps: KubeObject[];
    try {
        configMaps = await cp.list<KubeObject>("v1", "ConfigMap", "", namespace);
    } catch (e) {
        throw new CheckCannotRun((e as Error).message);
    }
    const found = new Map<string, Ledger[]>();
    for (const l of configMaps.flatMap(allLedgers)) found.set(meshOf(l), [...(found.get(meshOf(l)) ?? []), l]);
    return found;
}

async function clusterFacts(c: Cluster, namespace: string, meshId: string, controlPlane: Cluster): Promise<ClusterFacts> {
    try {
        const [ns, injectorNetworks, gateway, rootCerts, labelledServices] = await Promise.all([
            c.get<KubeObject>("v1", "Namespace", namespace),
            readInjectorNetworks(c, namespace, controlPlane),
            readGateway(c, namespace, meshId),
            readRootCerts(c, namespace),
            readLabelledServices(c),
        ]);
        return { networkLabel: ns?.metadata.labels?.[labels.network], injectorNetworks, gateway, rootCerts, labelledServices };
    } catch (e) {
        return { error: (e as Error).message, injectorNetworks: [] };
    }
}

/** Reads everything the checks judge. */
export async function gatherFacts(o: CheckOptions): Promise<MeshFacts> {
    const access = o.clusters.find((c) => c.name === o.controlPlane);
    if (!access)
        throw new CheckCannotRun(`no access to the control-plane cluster "${o.controlPlane}": pass --kubeconfig ${o.controlPlane}=PATH`);
    const cp = Cluster.connect(access);
    const found = await meshes(cp, o.namespace);
    const ids = [...found.keys()].sort();
    if (o.meshId && !found.has(o.meshId))
        throw new CheckCannotRun(
            `no pulumi-multinet mesh "${o.meshId}" on cluster "${o.controlPlane}" (namespace ${o.namespace})${ids.length ? `; found ${ids.join(", ")}` : ""}`,
        );
    if (!o.meshId && ids.length !== 1)
        throw new CheckCannotRun(
            ids.length === 0
                ? `no pulumi-multinet mesh on cluster "${o.controlPlane}" (namespace ${o.namespace}): is it the control-plane cluster, and has pulumi up run?`
                : `several meshes on cluster "${o.controlPlane}" (${ids.join(", ")}): pass --mesh`,
        );
    const meshId = o.meshId ?? ids[0];
    const ledgers = found.get(meshId)!;
    const deploymentName = ledgers.find((l) => l.mesh)?.mesh?.deployment ?? "istiod";

    const [deployment, secrets] = await Promise.all([
        cp.get<KubeObject & { spec?: any }>("apps/v1", "Deployment", deploymentName, o.namespace),
        cp.list<KubeObject & { data?: Record<string, string> }>("v1", "Secret", `${labels.multiCluster}=true`, o.namespace),
    ]).catch((e) => {
        throw new CheckCannotRun((e as Error).message);
    });
    const env: Record<string, string | undefined> = {};
    for (const c of deployment?.spec?.template?.spec?.containers ?? []) for (const e of c.env ?? []) env[e.name] = e.value;

    let istiod: MeshFacts["istiod"];
    try {
        const target = { access, namespace: o.namespace, deployment: deploymentName, debugUrl: o.istiodDebug };
        istiod = { views: await istiodViews(target, ["clusters", "gateways", "endpoints", "proxies"]) };
    } catch (e) {
        if (!(e instanceof IstiodUnreachable || e instanceof ClusterError)) throw e;
        istiod = { views: [], error: e.message, fix: e instanceof IstiodUnreachable ? e.fix : undefined };
    }

    const clusters: Record<string, ClusterFacts> = {};
    await Promise.all(
        o.clusters.map(async (a) => {
            clusters[a.name] = await clusterFacts(Cluster.connect(a), o.namespace, meshId, cp);
        }),
    );
    return {
        meshId,
        namespace: o.namespace,
        ledgers,
        controlPlane: o.controlPlane,
        deployment: deployment ? { name: deploymentName, env } : undefined,
        remoteSecrets: secrets.map((s) => ({ name: s.metadata.name, clusterIds: Object.keys(s.data ?? {}) })),
        istiod,
        clusters,
    };
}

/** Gathers and judges: the report `check` prints. */
export async function checkMesh(o: CheckOptions): Promise<Report> {
    return evaluate(await gatherFacts(o));
}
