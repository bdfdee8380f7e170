// Reads the components make before any change (in a preview, and at the start of an update) so that the preview
// can warn truthfully about what the update will do. They run in the program's process, where warnings can name a
// resource; the SDK loads this module, and with it the Kubernetes client, lazily (sdk/previewReads.ts).
import { Cluster, ClusterAccess } from "./kube";
import { ControlPlaneState } from "../core/changes";
import type { RestartPolicy } from "../core/names";
import { annotations, labels } from "../core/names";
import type { KubeObject } from "../core/render";
import { CommonInputs, hubReading } from "./resources/common";
import { controlPlaneState } from "./resources/interconnect";
import { readInjectorNetworks } from "./inspect";

export interface ControlPlaneRef {
    namespace: string;
    configMap: string;
    deployment: string;
}

/**
 * What this stack's interconnect has on the control plane (the ledger's joined networks, a restart owed by an
 * interrupted update, istiod's last restart stamp) and the restart policy it recorded (none: no ledger of this stack
 * there): the same facts the provider decides a restart from, so a preview's warning and the update agree.
 */
export async function interconnectOnControlPlane(
    access: ClusterAccess,
    where: ControlPlaneRef,
    who: Pick<CommonInputs, "owner" | "meshId">,
): Promise<ControlPlaneState & { policy?: RestartPolicy }> {
    return controlPlaneState({ ...who, ...where, kubeconfigs: { [access.name]: access.kubeconfig }, controlPlaneCluster: access.name });
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

/** Whether each cluster's sidecar injector gives Pods a network (see core/changes.ts, moveWarning); undefined when unreadable. */
export async function injectsNetwork(
    accesses: ClusterAccess[],
    namespace: string,
    controlPlane?: ClusterAccess,
): Promise<Record<string, boolean | undefined>> {
    const cp = controlPlane && Cluster.connect(controlPlane);
    const entries = await Promise.all(
        accesses.map(async (a) => {
            const networks = await readInjectorNetworks(Cluster.connect(a), namespace, cp).catch(() => undefined);
            return [a.name, networks && networks.length > 0] as const;
        }),
    );
    return Object.fromEntries(entries);
}

/** The rotation of each remote secret `owner` made (cluster ID -> its rotation; "" for the first token). */
export async function remoteSecretRotations(access: ClusterAccess, namespace: string, owner: string): Promise<Record<string, string>> {
    const secrets = await Cluster.connect(access).list<KubeObject>("v1", "Secret", `${labels.multiCluster}=true`, namespace);
    return Object.fromEntries(
        secrets
            .filter((s) => s.metadata.annotations?.[annotations.owner] === owner)
            .map((s) => [s.metadata.annotations?.[annotations.istioCluster] ?? "", s.metadata.annotations?.[annotations.rotation] ?? ""]),
    );
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

/**
 * In a group stack: for each cluster a hub stack reads (its hub record marked), the hub and the network the cluster
 * has now. Unreadable clusters are left out.
 */
export async function hubReaders(
    accesses: ClusterAccess[],
    namespace: string,
    meshId: string,
): Promise<Record<string, { hub: string; network?: string }>> {
    const entries = await Promise.all(
        accesses.map(async (a) => {
            const c = Cluster.connect(a);
            const [hub, ns] = await Promise.all([
                hubReading(c, namespace, meshId).catch(() => undefined),
                c.get<KubeObject>("v1", "Namespace", namespace).catch(() => undefined),
            ]);
            return hub ? [[a.name, { hub, network: ns?.metadata.labels?.[labels.network] }] as const] : [];
        }),
    );
    return Object.fromEntries(entries.flat());
}
