import * as pulumi from "@pulumi/pulumi";
import { isLoopbackServer, kubeconfigServer, loopbackWarning } from "../core/apiServer";
import { hubOrderWarning, planRestart, restartWarning, rotationWarning } from "../core/changes";
import type { RestartPolicy } from "../core/names";
import { ownerValue } from "../core/render";
import { multiNetworkingSchema, parseArgs } from "../core/validate";
import { GatewayRuleResource, ownerIdentity, ReaderCredentialResource, RemoteSecretResource } from "./dynamic";
import { validate } from "./errors";
import { warnBeforeChanges, known, previewReads } from "./previewReads";
import type { ClusterAccess } from "../provider/kube";
import type { AwaitIstiod } from "../provider/resources/common";
import type { MeshCluster, MeshControlPlane } from "./args";
import { MeshRegistry } from "./registry";

/** One cluster of the mesh (the Mesh component's MeshCluster). */
export type ClusterArgs = MeshCluster;

/** Where the mesh's control plane runs (the Mesh component's MeshControlPlane). */
export type ControlPlaneArgs = MeshControlPlane;

export interface MultiNetworkingArgs {
    /** The mesh's id: a DNS-1123 label. Objects we write carry it; groups of other meshes are never touched. */
    meshId: string;
    /** Where the control plane runs and how it is named. */
    controlPlane: ControlPlaneArgs;
    /** Every cluster the package may touch. At least one; names and Istio cluster IDs unique. */
    clusters: ClusterArgs[];
    /**
     * Who gives istiod the credentials to read the other clusters (remote secrets).
     * `"managed"`: this package, as `istioctl create-remote-secret` would, for every cluster but the control plane's.
     * `"external"`: the platform (hosted meshes manage them); the preview warns for each cluster that has none.
     * @default "managed"
     */
    remoteSecrets?: "managed" | "external";
    /**
     * Do not wait for istiod. By default a remote secret is done only when istiod reports its cluster synced
     * (`/debug/clusterz`), and the interconnect only when istiod's gateway table (`/debug/networkz`) shows it, read
     * through a port-forward to istiod's pod (or `controlPlane.istiodDebug`) as `pulumi-multinet check` reads them.
     * Set it for a control plane whose istiod the program cannot reach.
     * @default false
     */
    skipAwait?: boolean;
    /**
     * How long each wait for istiod may take, in whole seconds >= 1; past it the update fails with what istiod showed.
     * @default 300
     */
    awaitTimeoutSeconds?: number;
    /**
     * Any string; a new value rotates the reader tokens of the remote secrets this package manages, without downtime:
     * a new token is made and proven against the cluster's API server, the remote secret switches to it, istiod syncs
     * with it, and only then is the old token revoked. Nothing restarts. For a schedule, pass a value that changes on
     * it, e.g. the `rfc3339` output of `@pulumiverse/time`'s `Rotating` resource, or a month ("2026-12").
     * @default "" (the token made first)
     */
    remoteSecretRotation?: string;
}

/** A declared cluster with its defaults filled in. */
export type DeclaredCluster = Omit<Required<ClusterArgs>, "kubeconfig" | "remoteSecretServer"> & { remoteSecretServer?: string };

/**
 * Multi-networking of one mesh: the "enable" switch. Creates the cross-network Gateway Rule (Istio `Gateway`
 * `cross-network-gateway`, port 15443, TLS AUTO_PASSTHROUGH) on the control-plane cluster, and (by default) the
 * remote secrets through which istiod reads every other cluster. Deleting it (disabling) is refused while any
 * network group of the mesh exists, in this stack or another.
 */
export class MultiNetworking extends pulumi.ComponentResource {
    /** `namespace/name` of the Gateway Rule. */
    readonly gatewayRule: pulumi.Output<string>;
    /** `namespace/name` of each remote secret this stack made on the control-plane cluster. */
    readonly remoteSecrets: pulumi.Output<string[]>;
    readonly meshId: string;
    /** Where the control plane runs; `cluster` is undefined in a group stack (see ControlPlaneArgs.cluster). */
    readonly controlPlane: Required<Omit<ControlPlaneArgs, "istiodDebug" | "cluster">> & Pick<ControlPlaneArgs, "istiodDebug" | "cluster">;
    /** Declared clusters, defaults filled in. */
    readonly clusters: DeclaredCluster[];

    /** @internal cluster name -> kubeconfig (secret). */
    readonly kubeconfigs: Record<string, pulumi.Input<string>>;
    /** @internal the dynamic resource that network groups depend on (so they are deleted first); none in a group stack. */
    readonly rule: pulumi.Resource | undefined;
    /** @internal In a group stack with managed remote secrets: each cluster's reader kubeconfig for istiod (secret). */
    readonly readers: Record<string, pulumi.Output<string>> = {};
    /** @internal Who gives istiod the credentials to read the clusters (remoteSecrets). */
    readonly remoteSecretMode: "managed" | "external";
    /** @internal groups and gateways declared so far, for the cross-resource rules. */
    readonly registry = new MeshRegistry();
    /** @internal how resources wait for istiod (undefined: they do not). */
    readonly awaitIstiod: AwaitIstiod | undefined;

    constructor(name: string, args: MultiNetworkingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:MultiNetworking", name, {}, opts);
        const label = `MultiNetworking "${name}"`;
        const parsed = validate(this, () =>
            parseArgs(
                multiNetworkingSchema,
                {
                    ...args,
                    clusters: args?.clusters?.map((c) => ({
                        name: c?.name,
                        clusterId: c?.clusterId,
                        podCidrs: c?.podCidrs,
                        remoteSecretServer: c?.remoteSecretServer,
                    })),
                },
                label,
            ),
        );
        args.clusters.forEach((c, i) => {
            if (c.kubeconfig === undefined || c.kubeconfig === "") {
                throw new pulumi.ResourceError(
                    `${label}: clusters[${i}].kubeconfig: missing for cluster "${c.name}"; pass the kubeconfig text, ` +
                        `e.g. cfg.requireSecret("${c.name}")`,
                    this,
                    true,
                );
            }
        });
        this.meshId = parsed.meshId;
        this.controlPlane = parsed.controlPlane;
        this.clusters = parsed.clusters;
        this.remoteSecretMode = parsed.remoteSecrets;
        this.kubeconfigs = Object.fromEntries(args.clusters.map((c) => [c.name, c.kubeconfig]));
        const cp = this.controlPlane;
        this.awaitIstiod =
            parsed.skipAwait || cp.cluster === undefined
                ? undefined
                : { deployment: cp.deployment, debugUrl: cp.istiodDebug, timeoutSeconds: parsed.awaitTimeoutSeconds };
        const managed = parsed.remoteSecrets === "managed";
        const remote = this.clusters.filter((c) => c.name !== cp.cluster);
        if (managed) warnBeforeChanges(() => this.warnLoopbackServers(remote));

        if (cp.cluster === undefined) {
            // A group stack: nothing on the control plane. Its clusters' readers are made here, for the hub to use.
            this.gatewayRule = pulumi.output("");
            this.remoteSecrets = pulumi.output([]);
            if (managed)
                for (const c of this.clusters) {
                    this.readers[c.name] = new ReaderCredentialResource(
                        `${name}-reader-${c.name}`,
                        {
                            ...this.commonInputs([c.name]),
                            cluster: c.name,
                            clusterId: c.clusterId,
                            server: c.remoteSecretServer ?? "",
                            namespace: cp.namespace,
                            tokenTimeoutSeconds: 60,
                            rotation: parsed.remoteSecretRotation,
                        },
                        { parent: this },
                    ).kubeconfig;
                }
            this.registerOutputs({ gatewayRule: this.gatewayRule, remoteSecrets: this.remoteSecrets });
            warnBeforeChanges(() => this.warnHubOrder());
            return;
        }
        const cpName = cp.cluster;
        const cpCluster = this.cluster(cpName);
        const rule = new GatewayRuleResource(
            `${name}-gateway-rule`,
            {
                ...this.commonInputs(this.clusters.map((c) => c.name)),
                controlPlaneCluster: cp.cluster,
                controlPlaneClusterId: cpCluster.clusterId,
                deployment: cp.deployment,
                configMap: cp.configMap,
                namespace: cp.namespace,
                clusters: this.clusters.map((c) => c.name),
                clusterIds: Object.fromEntries(this.clusters.map((c) => [c.name, c.clusterId])),
                remoteSecrets: parsed.remoteSecrets,
                istiod: this.awaitIstiod,
            },
            { parent: this },
        );
        this.rule = rule;
        this.gatewayRule = rule.gatewayRule;

        const secrets = managed
            ? remote.map(
                  (c) =>
                      new RemoteSecretResource(
                          `${name}-remote-secret-${c.name}`,
                          {
                              ...this.commonInputs([c.name, cpName]),
                              cluster: c.name,
                              clusterId: c.clusterId,
                              server: c.remoteSecretServer ?? "",
                              controlPlaneCluster: cpName,
                              namespace: cp.namespace,
                              tokenTimeoutSeconds: 60,
                              istiod: this.awaitIstiod,
                              rotation: parsed.remoteSecretRotation,
                          },
                          // After the rule: its preview check of every cluster and of istiod gates all writes.
                          { parent: this, dependsOn: [rule] },
                      ).remoteSecret,
              )
            : [];
        this.remoteSecrets = pulumi.all(secrets);
        this.registerOutputs({ gatewayRule: this.gatewayRule, remoteSecrets: this.remoteSecrets });
        warnBeforeChanges(() => this.warnIfInterconnectRemoved());
        if (managed) warnBeforeChanges(() => this.warnRotation(remote, parsed.remoteSecretRotation));
        else warnBeforeChanges(() => this.warnMissingRemoteSecrets(remote));
    }

    /**
     * @internal The control-plane cluster, for a component that writes there; a group stack has none, so `label`'s
     * component is refused with the fix.
     */
    controlPlaneCluster(resource: pulumi.Resource, label: string, what: string): string {
        const cluster = this.controlPlane.cluster;
        if (cluster === undefined)
            throw new pulumi.ResourceError(
                `${label}: multiNetworking: has no controlPlane.cluster (a group stack), and ${what} lives on the control plane; ` +
                    `declare it in the hub stack, which holds the control plane, or give controlPlane.cluster here`,
                resource,
                true,
            );
        return cluster;
    }

    /** @internal A declared cluster by name (the rules have checked it exists). */
    cluster(name: string): DeclaredCluster {
        return this.clusters.find((c) => c.name === name)!;
    }

    /**
     * @internal The preview's restart warning for this mesh's interconnect when the update leaves `next` joined
     * (undefined: no restart, or the control plane's credentials are not known yet), judged as the provider will
     * judge it: against what the control plane has now (see planRestart). `"removed"`: the program dropped its
     * Interconnect, under the policy the stack recorded there.
     */
    async restartWarning(next: { networks: string[]; policy: RestartPolicy } | "removed"): Promise<string | undefined> {
        const cp = this.controlPlane;
        const access = cp.cluster === undefined ? undefined : await this.knownAccess(cp.cluster);
        if (!access) return undefined;
        const state = await previewReads().interconnectOnControlPlane(access, cp, { owner: ownerIdentity(), meshId: this.meshId });
        const removed = next === "removed";
        const policy = removed ? state.policy : next.policy;
        if (!policy) return undefined; // removed, and this stack has no ledger there: nothing was joined
        const plan = planRestart(state, removed ? [] : next.networks, policy);
        if (!plan.restartsControlPlane) return undefined;
        // Those istiod reads now, or those this stack declares (a first update has made no remote secret yet).
        const remoteClusters = Math.max(
            (await previewReads().remoteSecretClusterIds(access, cp.namespace)).length,
            this.clusters.length - 1,
        );
        return restartWarning(plan, cp.deployment, cp.namespace, access.name, removed, remoteClusters);
    }

    /**
     * A program that drops its Interconnect leaves the engine to delete it, and no hook of ours runs for a resource
     * that is gone. So the preview reads the ConfigMap's record of this stack's joined networks and says it here.
     */
    private async warnIfInterconnectRemoved(): Promise<void> {
        // Components declared after this one register while the program runs on; look once they have. (A program
        // that declares its Interconnect only after awaiting something may see this warning wrongly.)
        await new Promise((r) => setImmediate(r));
        if (this.registry.interconnects > 0) return;
        const message = await this.restartWarning("removed");
        if (message) pulumi.log.warn(message, this);
    }

    /**
     * In a group stack: each cluster a hub stack reads that the program takes out of its network (its group gone,
     * or another network) is named before the update is refused for it.
     */
    private async warnHubOrder(): Promise<void> {
        await new Promise((r) => setImmediate(r)); // the program's groups register first (see warnIfInterconnectRemoved)
        const accesses = (await Promise.all(this.clusters.map((c) => this.knownAccess(c.name)))).filter((a) => a !== undefined);
        const read = await previewReads().hubReaders(accesses, this.controlPlane.namespace, this.meshId);
        for (const [cluster, { hub, network }] of Object.entries(read)) {
            const next = this.registry.groups.find((g) => g.clusters.includes(cluster))?.networkName;
            if (network !== undefined && next !== network) pulumi.log.warn(hubOrderWarning(cluster, hub, network, next), this);
        }
    }

    /** Each cluster whose remote secret would name an API server only this machine reaches is named before anything happens. */
    private async warnLoopbackServers(remote: DeclaredCluster[]): Promise<void> {
        for (const c of remote.filter((c) => !c.remoteSecretServer)) {
            const access = await this.knownAccess(c.name);
            const server = access && kubeconfigServer(access.kubeconfig);
            if (server && isLoopbackServer(server)) pulumi.log.warn(loopbackWarning(c.name, server), this);
        }
    }

    /** A new remoteSecretRotation: what it does, for each cluster whose remote secret has another rotation now. */
    private async warnRotation(remote: DeclaredCluster[], rotation: string): Promise<void> {
        const access = await this.knownAccess(this.controlPlane.cluster!);
        if (!access) return;
        const current = await previewReads().remoteSecretRotations(
            access,
            this.controlPlane.namespace,
            ownerValue({ owner: ownerIdentity(), meshId: this.meshId }),
        );
        for (const c of remote) {
            const now = current[c.clusterId];
            if (now !== undefined && now !== rotation) pulumi.log.warn(rotationWarning(c.name, now, rotation), this);
        }
    }

    /** With remoteSecrets "external": each cluster istiod has no credentials for is named before anything happens. */
    private async warnMissingRemoteSecrets(remote: DeclaredCluster[]): Promise<void> {
        const cp = this.controlPlane;
        const access = await this.knownAccess(cp.cluster!);
        if (!access || remote.length === 0) return;
        const ids = await previewReads().remoteSecretClusterIds(access, cp.namespace);
        for (const c of remote.filter((c) => !ids.includes(c.clusterId))) {
            pulumi.log.warn(
                `cluster "${c.name}" (Istio cluster ID "${c.clusterId}") has no remote secret on the control-plane cluster "${cp.cluster}" ` +
                    `(a Secret in ${cp.namespace} labelled istio/multiCluster=true with key "${c.clusterId}"): ` +
                    `istiod cannot read its Services and endpoints, so nothing reaches them across networks. ` +
                    `Create one (istioctl create-remote-secret --name ${c.clusterId}) or set remoteSecrets: "managed".`,
                this,
            );
        }
    }

    /** @internal A cluster's name and kubeconfig for a read before changes; undefined while the kubeconfig is unknown. */
    async knownAccess(cluster: string | undefined): Promise<ClusterAccess | undefined> {
        const kubeconfig = cluster === undefined ? undefined : await known(this.kubeconfigs[cluster]);
        return kubeconfig ? { name: cluster!, kubeconfig } : undefined;
    }

    /**
     * @internal The inputs every resource of this mesh carries: mesh id, owning stack, and the kubeconfigs of the
     * clusters it touches as one secret map.
     */
    commonInputs(clusterNames: string[]) {
        const entries = [...new Set(clusterNames)].map((n) => pulumi.output(this.kubeconfigs[n]).apply((k) => [n, k] as const));
        return {
            meshId: this.meshId,
            owner: ownerIdentity(),
            kubeconfigs: pulumi.secret(pulumi.all(entries).apply((es) => Object.fromEntries(es))),
        };
    }
}
