// The one writer of meshNetworks. Network groups and the interconnect of a stack change its ledger (which
// networks it has, which of them joined with which addresses); this module re-renders that stack's entries from
// the ledger and writes them, with the ledger, in one apply guarded by the ConfigMap's resourceVersion. Entries
// and ledgers of other stacks and tools pass through untouched.
import * as crypto from "crypto";
import { ClusterError } from "../kube";
import {
    emptyLedger,
    Ledger,
    ledgerEntries,
    ledgerInUse,
    ledgerNetworks,
    mergeMeshNetworks,
    MeshNetworksSyntaxError,
    parseMeshNetworks,
} from "../../core/meshNetworks";
import type { KubeObject } from "../../core/render";
import { defaultRestartPolicy, fieldManagerOf } from "../../core/names";
import { cluster, CommonInputs, ownerValue, retryOnConflict } from "./common";

/** Where the control plane keeps meshNetworks. */
export interface MeshConfigRef {
    controlPlaneCluster: string;
    namespace: string;
    configMap: string;
}

type ConfigMap = KubeObject & { data?: Record<string, string> };

const ledgerPrefix = "multinet.pulumi.io/ledger.";
/** The single ledger annotation of versions before 0.2 (joined networks only). Read, then replaced. */
const legacyLedgerKey = "multinet.pulumi.io/mesh-networks";

/** One annotation per owning stack and mesh, so that stacks never overwrite each other's record. */
function ledgerKey(owner: string): string {
    return ledgerPrefix + crypto.createHash("sha256").update(owner).digest("hex").slice(0, 16);
}

function annotationJson(obj: KubeObject, key: string): any {
    try {
        return JSON.parse(obj.metadata.annotations?.[key] ?? "");
    } catch {
        return undefined;
    }
}

/** Every stack's ledger on a mesh ConfigMap (those of releases before 0.2 included). */
export function allLedgers(cm: KubeObject): Ledger[] {
    const owners = Object.keys(cm.metadata.annotations ?? {})
        .filter((k) => k.startsWith(ledgerPrefix) || k === legacyLedgerKey)
        .map((k) => annotationJson(cm, k)?.owner)
        .filter((o): o is string => typeof o === "string");
    return [...new Set(owners)].map((o) => readLedger(cm, o)).filter((l): l is Ledger => l !== undefined);
}

export function readLedger(cm: KubeObject, owner: string): Ledger | undefined {
    const ledger = annotationJson(cm, ledgerKey(owner));
    if (ledger?.owner === owner) return ledger;
    const legacy = annotationJson(cm, legacyLedgerKey);
    if (legacy?.owner !== owner) return undefined;
    let entries: ReturnType<typeof parseMeshNetworks>["networks"] = {};
    try {
        entries = parseMeshNetworks((cm as ConfigMap).data?.meshNetworks).networks;
    } catch {
        /* a broken text: the legacy record's addresses are re-rendered by the next write anyway */
    }
    const joined = Object.fromEntries((legacy.networks as string[]).map((n) => [n, (entries[n]?.gateways ?? []).map((g) => g.address)]));
    return {
        ...emptyLedger(owner, legacy.original ?? null),
        joined,
        controlPlaneRestart: legacy.controlPlaneRestart ?? defaultRestartPolicy,
    };
}

/** Runs `read` on the meshNetworks text of a ConfigMap; a text istiod could not read names the ConfigMap and cluster. */
export function readingMeshNetworks<T>(clusterName: string, where: { namespace: string; configMap: string }, read: () => T): T {
    try {
        return read();
    } catch (e) {
        if (!(e instanceof MeshNetworksSyntaxError)) throw e;
        throw new ClusterError(
            clusterName,
            `ConfigMap ${where.namespace}/${where.configMap}: ${e.message}. istiod cannot read it either; fix it by hand (kubectl -n ${where.namespace} edit configmap ${where.configMap})`,
        );
    }
}

/** Why meshNetworks cannot be written: the control plane's ConfigMap is missing. */
export function meshConfigMissing(where: MeshConfigRef): string {
    return (
        `the control plane's ConfigMap ${where.namespace}/${where.configMap} does not exist; ` +
        `is Istio installed there? For a revisioned install set the MultiNetworking's controlPlane.configMap to "istio-<revision>"`
    );
}

/** The control plane's mesh ConfigMap (undefined: it is gone). */
export function readMeshConfig(inputs: CommonInputs & MeshConfigRef): Promise<ConfigMap | undefined> {
    return cluster(inputs, inputs.controlPlaneCluster).get<ConfigMap>("v1", "ConfigMap", inputs.configMap, inputs.namespace);
}

/** The networks of a mesh ConfigMap's meshNetworks as istiod reads them; a text it cannot read is an error naming it. */
export function meshNetworksOf(cm: ConfigMap | undefined, where: MeshConfigRef): ReturnType<typeof parseMeshNetworks>["networks"] {
    return readingMeshNetworks(where.controlPlaneCluster, where, () => parseMeshNetworks(cm?.data?.meshNetworks)).networks;
}

/**
 * Why `networks` cannot be written as `owner`'s entries: some already have an entry in the ConfigMap's meshNetworks
 * that `owner` did not write (`owned`: the networks its ledger holds), by hand or by another stack or mesh (named
 * when its ledger says so); undefined when none has. Asked at preview and again before every write.
 */
export function entryClash(cm: ConfigMap, where: MeshConfigRef, owner: string, networks: string[], owned: string[]): string | undefined {
    const present = meshNetworksOf(cm, where);
    const clash = networks.filter((n) => n in present && !owned.includes(n));
    if (clash.length === 0) return undefined;
    const writers = allLedgers(cm).filter((l) => l.owner !== owner);
    const by = (n: string) => {
        const writer = writers.find((l) => ledgerNetworks(l).includes(n));
        return writer ? `"${n}" (by another stack or mesh, "${writer.owner}")` : `"${n}" (not by pulumi-multinet)`;
    };
    return (
        `meshNetworks in ConfigMap ${where.namespace}/${where.configMap} already has an entry for network ${clash.map(by).join(", ")}; ` +
        `it is not overwritten. Give the NetworkGroup another networkName, or remove that entry ` +
        `(kubectl -n ${where.namespace} edit configmap ${where.configMap}) if nothing uses it`
    );
}

/** Reads this stack's ledger (undefined when it has none, or the ConfigMap is gone). */
export async function currentLedger(inputs: CommonInputs & MeshConfigRef): Promise<Ledger | undefined> {
    const cm = await readMeshConfig(inputs);
    return cm && readLedger(cm, ownerValue(inputs));
}

/**
 * Changes this stack's ledger and rewrites its meshNetworks entries to match: a joined network lists its gateways,
 * any other network of the stack the discard address. Refuses to take over an entry someone else wrote. When the
 * stack has no network left, its ledger goes and the text it found comes back.
 */
export async function updateLedger(
    inputs: CommonInputs & MeshConfigRef,
    change: (l: Ledger) => Ledger,
    /** Leaving (a delete): a ConfigMap already gone is said and skipped, not an error. */
    leaving = false,
): Promise<{ before: Ledger; after: Ledger }> {
    const c = cluster(inputs, inputs.controlPlaneCluster);
    const owner = ownerValue(inputs);
    return retryOnConflict(async () => {
        const cm = await readMeshConfig(inputs);
        if (!cm && leaving) {
            console.error(
                `cluster "${c.name}": ConfigMap ${inputs.namespace}/${inputs.configMap} is gone (Istio uninstalled?); no meshNetworks entry to remove`,
            );
            const none = emptyLedger(owner, null);
            return { before: none, after: none };
        }
        if (!cm) throw new ClusterError(c.name, meshConfigMissing(inputs));
        const current = cm.data?.meshNetworks;
        const before = readLedger(cm, owner) ?? emptyLedger(owner, current ?? null);
        const after = change(before);
        const ownedBefore = ledgerNetworks(before);
        const ours = ledgerEntries(after);
        const clash = entryClash(cm, inputs, owner, Object.keys(ours), ownedBefore);
        if (clash) throw new ClusterError(c.name, clash);
        const text = readingMeshNetworks(c.name, inputs, () => mergeMeshNetworks(current, ownedBefore, ours, before.original));
        // A merge patch guarded by the resourceVersion: the text holds every foreign entry, and only this owner's
        // ledger annotation (and its pre-0.2 one) is written, so nothing of another stack is lost or taken.
        const legacyIsOurs = annotationJson(cm, legacyLedgerKey)?.owner === owner;
        await c.mergePatch(
            "v1",
            "ConfigMap",
            inputs.configMap,
            inputs.namespace,
            {
                metadata: {
                    resourceVersion: cm.metadata.resourceVersion,
                    annotations: {
                        // An empty ledger goes; one that records a restart still to do (the last networks leaving) or
                        // the mesh's declaration stays.
                        [ledgerKey(owner)]: ledgerInUse(after) ? JSON.stringify(after) : null,
                        ...(legacyIsOurs ? { [legacyLedgerKey]: null } : {}),
                    },
                },
                data: { meshNetworks: text ?? null },
            },
            fieldManagerOf(owner),
        );
        return { before, after };
    });
}
