// The cluster side of a remote secret, for a mesh split across stacks: a group stack, which holds its clusters'
// credentials but not the control plane's, makes the reader istiod will read the cluster with (as
// `istioctl create-remote-secret` does) and exports its kubeconfig, a secret output, for the hub stack to write
// the remote secret with. With it comes the hub record (remoteAccess.hubRecord), which the hub marks with the
// reader's own token while it reads the cluster, so that this stack refuses to take the cluster away under it.
import type * as pulumi from "@pulumi/pulumi";
import { annotations, remoteAccess } from "../../core/names";
import { permissions } from "../../core/permissions";
import { hubRecordObjects, KubeObject, remoteKubeconfig } from "../../core/render";
import { ClusterError } from "../kube";
import { UserError } from "../errors";
import {
    applyAs,
    changedInputs,
    cluster,
    createOrUndo,
    deleteIfOwned,
    deleting,
    DiffKeys,
    hasUnknowns,
    hubRecord,
    missingPermissions,
    ownership,
    ownerValue,
    refuseWhileHubReads,
    replacedBy,
    stateToRead,
} from "./common";
import { deleteToken, makeReader, ReaderInputs, readerTaken, removeReader, tokenDigest } from "./remoteSecret";

export type ReaderCredentialInputs = ReaderInputs;

export interface ReaderCredentialOutputs extends ReaderCredentialInputs {
    /** The kubeconfig istiod reads the cluster with (the reader's token): kept secret, exported for the hub stack. */
    kubeconfig: string;
    /**
     * The rotation before this one: its token stays until the next rotation, since the hub stack may still use it
     * until its next update.
     */
    previousRotation?: string;
}

async function converge(olds: ReaderCredentialOutputs | undefined, inputs: ReaderCredentialInputs): Promise<ReaderCredentialOutputs> {
    const taken = await readerTaken(inputs);
    if (taken.length) throw new UserError(taken.join("\n"));
    const owner = ownerValue(inputs);
    const remote = cluster(inputs, inputs.cluster);
    for (const obj of hubRecordObjects(ownership(inputs), inputs.namespace)) await applyAs(remote, obj, owner, true);
    const { server, caData, token } = await makeReader(inputs);
    const rotation = inputs.rotation ?? "";
    let previousRotation = olds?.previousRotation;
    if (olds && (olds.rotation ?? "") !== rotation) {
        // Make before break across stacks: the token before last goes, unless the hub still uses it; the last one
        // stays for the hub until its next update.
        if (previousRotation !== undefined && previousRotation !== rotation) {
            await refuseWhileHubUses(inputs, previousRotation);
            await deleteToken(inputs, previousRotation);
        }
        previousRotation = olds.rotation ?? "";
    }
    return {
        ...inputs,
        kubeconfig: remoteKubeconfig(inputs.clusterId, server, caData, token, remote.tlsServerName),
        ...(previousRotation !== undefined ? { previousRotation } : {}),
    };
}

/** Refuses to revoke the token of `rotation` while the hub's remote secret holds it (its record says which). */
async function refuseWhileHubUses(inputs: ReaderCredentialInputs, rotation: string): Promise<void> {
    const c = cluster(inputs, inputs.cluster);
    const name = remoteAccess.tokenSecret(inputs.meshId, rotation);
    const [record, secret] = await Promise.all([
        hubRecord(c, inputs.namespace, inputs.meshId),
        c.get<KubeObject & { data?: Record<string, string> }>("v1", "Secret", name, inputs.namespace),
    ]);
    const used = record?.metadata.annotations?.[annotations.hubToken];
    const token = secret?.data?.token && Buffer.from(secret.data.token, "base64").toString("utf8");
    if (used && token && tokenDigest(token) === used)
        throw new ClusterError(
            c.name,
            `the hub stack "${record!.metadata.annotations?.[annotations.hub]}" still reads this cluster with the token of rotation ` +
                `"${rotation}" (Secret ${inputs.namespace}/${name}), which this rotation would revoke; run pulumi up in the hub stack ` +
                `first (it switches istiod to the newer token), then rotate again`,
        );
}

async function remove(props: ReaderCredentialOutputs | ReaderCredentialInputs): Promise<void> {
    const remote = cluster(props, props.cluster);
    await deleting(remote, `the reader access of mesh "${props.meshId}" and its hub record`, async () => {
        await refuseWhileHubReads(remote, props.namespace, props.meshId, "the reader istiod reads it with");
        const previous = (props as ReaderCredentialOutputs).previousRotation;
        if (previous !== undefined && previous !== (props.rotation ?? "")) await deleteToken(props, previous);
        await removeReader(remote, props, ownerValue(props));
        for (const obj of hubRecordObjects(ownership(props), props.namespace).reverse())
            await deleteIfOwned(remote, obj, ownerValue(props));
    });
}

const diffKeys: DiffKeys<ReaderCredentialInputs, ReaderCredentialOutputs> = {
    replace: ["cluster", "clusterId", "namespace", "meshId"],
    outputs: { kubeconfig: true, previousRotation: true },
    ignore: ["tokenTimeoutSeconds"],
};

export const readerCredentialProvider = {
    async check(_olds: ReaderCredentialInputs | undefined, news: ReaderCredentialInputs) {
        if (hasUnknowns(news.kubeconfigs)) return { inputs: news };
        const c = cluster(news, news.cluster);
        const problems = await Promise.all([
            missingPermissions(c, [...permissions.readCluster, ...permissions.hubRecord], news.namespace),
            readerTaken(news),
        ])
            .then((p) => p.flat())
            .catch((e: Error) => [e.message]);
        return {
            inputs: news,
            failures: problems.map((reason) => ({ property: "cluster", reason: `reader of "${news.cluster}": ${reason}` })),
        };
    },

    async create(inputs: ReaderCredentialInputs) {
        const outs = await createOrUndo(
            () => converge(undefined, inputs),
            () => remove(inputs),
        );
        return { id: `${inputs.cluster}/${inputs.namespace}/${remoteAccess.tokenSecret(inputs.meshId)}`, outs };
    },

    async diff(_id: string, olds: ReaderCredentialOutputs, news: ReaderCredentialInputs) {
        const replaces = replacedBy(olds, news, diffKeys.replace);
        const rotated = <T extends ReaderCredentialInputs>(o: T): T => ({ ...o, rotation: o.rotation ?? "" });
        const changes = replaces.length > 0 || changedInputs(rotated(olds), rotated(news), diffKeys).length > 0;
        return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
    },

    async update(_id: string, olds: ReaderCredentialOutputs, news: ReaderCredentialInputs) {
        return { outs: await converge(olds, news) };
    },

    async read(id: string, recorded?: ReaderCredentialOutputs) {
        return { id, props: stateToRead("ReaderCredential", id, recorded) };
    },

    async delete(_id: string, props: ReaderCredentialOutputs): Promise<void> {
        await remove(props);
    },
} satisfies pulumi.dynamic.ResourceProvider<ReaderCredentialInputs, ReaderCredentialOutputs>;
