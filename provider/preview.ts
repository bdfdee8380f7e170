// Reads the components make during `pulumi preview` so that it can warn truthfully about what an update will do.
// They run in the program's process (where warnings can name a resource) and only during previews; the SDK loads
// this module, and with it the Kubernetes client, lazily.
import { Cluster, ClusterAccess } from "./kube";
import { RestartPolicy } from "../core/changes";
import { labels } from "../core/names";
import type { KubeObject } from "../core/render";
import { CommonInputs, ownerValue } from "./resources/common";
import { readLedger } from "./resources/ledger";

/**
 * The networks this stack's interconnect still has joined (from the ledger on the mesh ConfigMap) and its restart
 * policy, or undefined: for the preview of a program that no longer declares its interconnect.
 */
export async function joinedByStack(
    access: ClusterAccess,
    where: { namespace: string; configMap: string },
    who: Pick<CommonInputs, "owner" | "meshId">,
): Promise<{ networks: string[]; controlPlaneRestart: RestartPolicy } | undefined> {
    const cm = await Cluster.connect(access).get<KubeObject>("v1", "ConfigMap", where.configMap, where.namespace);
    const ledger = cm && readLedger(cm, ownerValue(who));
    const networks = Object.keys(ledger?.joined ?? {});
    return ledger && networks.length ? { networks, controlPlaneRestart: ledger.controlPlaneRestart } : undefined;
}

/** The network label of each cluster's Istio namespace now (undefined: none, or unreadable). */
export async function networkLabels(accesses: ClusterAccess[], namespace: string): Promise<Record<string, string | undefined>> {
    const entries = await Promise.all(
        accesses.map(async (a) => {
            const ns = await Cluster.connect(a)
                .get<KubeObject>("v1", "Namespace", namespace)
                .catch(() => undefined);
            return [a.name, ns?.metadata.labels?.[labels.network]] as const;
        }),
    );
    return Object.fromEntries(entries);
}

/** Cluster IDs istiod has credentials for: the data keys of the remote secrets in the control plane's namespace. */
export async function remoteSecretClusterIds(access: ClusterAccess, namespace: string): Promise<string[]> {
    const secrets = await Cluster.connect(access).list<KubeObject & { data?: Record<string, string> }>(
        "v1",
        "Secret",
        `${labels.multiCluster}=true`,
        namespace,
    );
    return secrets.flatMap((s) => Object.keys(s.data ?? {}));
}
