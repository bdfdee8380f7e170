import * as pulumi from "@pulumi/pulumi";
import { NetworkGroupResource, ownerIdentity, RemoteSecretResource } from "./dynamic";
import { referenceProblems } from "../core/rules";
import { fail } from "./errors";
import { MultiNetworking } from "./multiNetworking";
import { known, warnBeforeChanges } from "./previewReads";
import type { NetworkGroupExport } from "../core/rules";

export interface NetworkGroupReferenceArgs {
    /** The hub's multi-networking: the stack that holds the control plane (its `controlPlane.cluster` is set). */
    multiNetworking: MultiNetworking;
    /**
     * The group as its group stack exports it (NetworkGroup.export), e.g.
     * `new pulumi.StackReference("acme/mesh-west/prod").requireOutput("group")`. Its mesh id must be this mesh's.
     */
    group: pulumi.Input<NetworkGroupExport>;
}

/**
 * In the hub stack of a mesh split across stacks: a network group that a group stack manages (its clusters'
 * network labels, gateways and readers), made part of this mesh. Writes, on the control-plane cluster only, the
 * group's meshNetworks entry (behind the discard address until the Interconnect joins it) and, with remoteSecrets
 * "managed", a remote secret per member cluster with the reader the group exported, checked as istiod will use it
 * and awaited until istiod has synced it. It never uses the group's kubeconfigs, only that reader, with which it
 * also marks each cluster's hub record: the group stack then refuses to take the cluster away until this
 * reference is gone. List it in the Interconnect's members like a NetworkGroup (its gateways come with it).
 */
export class NetworkGroupReference extends pulumi.ComponentResource {
    /** The group's Istio network name. */
    readonly networkName: pulumi.Output<string>;
    /** Member clusters (their names in the group stack). */
    readonly clusters: pulumi.Output<string[]>;

    /** @internal */
    readonly multiNetworking: MultiNetworking;
    /** @internal the group's export, checked against this mesh */
    readonly export: pulumi.Output<NetworkGroupExport>;
    /** @internal the dynamic resource an Interconnect depends on */
    readonly group: pulumi.Resource;

    constructor(name: string, args: NetworkGroupReferenceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:NetworkGroupReference", name, {}, opts);
        const label = `NetworkGroupReference "${name}"`;
        const mn = args?.multiNetworking;
        if (!(mn instanceof MultiNetworking))
            throw new pulumi.ResourceError(`${label}: multiNetworking: pass the MultiNetworking resource of the mesh`, this, true);
        const cpCluster = mn.controlPlaneCluster(this, label, "a group's meshNetworks entry and remote secrets");
        const cp = mn.controlPlane;
        this.multiNetworking = mn;
        if (args.group === undefined) fail(this, label, ["group: pass the group stack's export (NetworkGroup.export)"]);

        this.export = pulumi.output(args.group).apply((e) => {
            fail(
                this,
                label,
                referenceProblems(e, {
                    meshId: mn.meshId,
                    namespace: mn.controlPlane.namespace,
                    clusters: mn.clusters,
                    remoteSecrets: mn.remoteSecretMode,
                    groups: mn.registry.groups,
                }),
            );
            mn.registry.groups.push({ networkName: e.networkName, clusters: e.clusters.map((c) => c.name) });
            return e;
        });
        // The export is secret as a whole (it holds the readers): what is no credential is shown as it is.
        this.networkName = pulumi.unsecret(this.export.apply((e) => e.networkName));
        this.clusters = pulumi.unsecret(this.export.apply((e) => e.clusters.map((c) => c.name)));
        if (pulumi.runtime.isDryRun())
            warnBeforeChanges(async () => {
                if ((await known(this.export)) === undefined)
                    pulumi.log.warn(
                        `${label}: group: the group's export is not known in this preview, so its remote secrets are not ` +
                            `shown (existing ones may show as deleted); pass an export known before the update, as a StackReference's output is`,
                        this,
                    );
            });
        this.group = new NetworkGroupResource(
            name,
            {
                ...mn.commonInputs([cpCluster]),
                networkName: this.networkName,
                namespace: cp.namespace,
                controlPlaneCluster: cpCluster,
                configMap: cp.configMap,
                clusters: this.clusters,
                clusterIds: this.export.apply((e) => Object.fromEntries(e.clusters.map((c) => [c.name, c.clusterId]))),
                manages: "entry",
            },
            { parent: this, dependsOn: mn.rule ? [mn.rule] : [] },
        );
        if (mn.remoteSecretMode === "managed")
            // One remote secret per member; the members are known once the export is (a StackReference's are at preview).
            this.export.apply((e) =>
                e.clusters.map(
                    (c) =>
                        new RemoteSecretResource(
                            `${name}-remote-secret-${c.name}`,
                            {
                                meshId: mn.meshId,
                                owner: ownerIdentity(),
                                kubeconfigs: pulumi.secret(
                                    pulumi.output(mn.kubeconfigs[cpCluster]).apply((k) => ({ [cpCluster]: k, [c.name]: c.reader! })),
                                ),
                                cluster: c.name,
                                clusterId: c.clusterId,
                                server: c.remoteSecretServer ?? "",
                                controlPlaneCluster: cpCluster,
                                namespace: cp.namespace,
                                tokenTimeoutSeconds: 60,
                                istiod: mn.awaitIstiod,
                                reader: "group",
                            },
                            { parent: this, dependsOn: mn.rule ? [mn.rule] : [] },
                        ),
                ),
            );
        this.registerOutputs({ networkName: this.networkName, clusters: this.clusters });
    }
}
