// A mesh split across stacks, decided by the providers against fake clusters: a group stack writes only to its
// clusters, the hub only to the control plane (the reader it was given is its one way into a group's cluster), and
// the hub record keeps a group stack from taking a cluster away under a hub.
import { networkGroupProvider } from "../../provider/resources/networkGroup";
import { readerCredentialProvider, ReaderCredentialOutputs } from "../../provider/resources/readerCredential";
import { remoteSecretProvider, tokenDigest } from "../../provider/resources/remoteSecret";
import { readLedger } from "../../provider/resources/ledger";
import { annotations, remoteAccess } from "../../core/names";
import { common, fakeMesh, groupInputs, Mesh, ns, ours, remoteSecretInputs, theirs } from "../helpers/meshFixture";

let mesh: Mesh;
beforeEach(() => (mesh = fakeMesh()));

const record = `/${remoteAccess.hubRecord("mesh1")}`;
const readerInputs = () => ({
    ...common(["east-1"]),
    cluster: "east-1",
    clusterId: "east-1",
    server: "",
    namespace: ns,
    tokenTimeoutSeconds: 2,
    rotation: "",
});
const markHub = (hub: string) =>
    mesh.east.seed({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: remoteAccess.hubRecord("mesh1"), namespace: ns, annotations: { [annotations.hub]: hub } },
    });

test("a group stack's reader: made in its cluster with the hub record, exported as a token kubeconfig; nothing elsewhere", async () => {
    const { outs } = await readerCredentialProvider.create(readerInputs());
    expect(outs.kubeconfig).toContain(`token: token of ${remoteAccess.tokenSecret("mesh1")} on east-1`);
    expect(mesh.east.writes.filter((w) => w.includes(record))).toEqual([
        `apply ConfigMap ${ns}${record} by pulumi-multinet/${ours}`,
        `apply Role ${ns}${record} by pulumi-multinet/${ours}`,
        `apply RoleBinding ${ns}${record} by pulumi-multinet/${ours}`,
    ]);
    expect([mesh.hosted.writes, mesh.west.writes]).toEqual([[], []]);
});

test("while a hub reads the cluster, deleting the reader is refused with the fix, and nothing goes; once the hub lets go it goes", async () => {
    const { outs } = await readerCredentialProvider.create(readerInputs());
    // The hub marks the record, and later clears it, with the reader's token (a merge patch, as it does).
    const mark = (hub: string | null) =>
        mesh.east.mergePatch(
            "v1",
            "ConfigMap",
            remoteAccess.hubRecord("mesh1"),
            ns,
            { metadata: { annotations: { [annotations.hub]: hub } } },
            "hub",
        );
    await mark("proj/hub/mesh1");
    const before = mesh.east.writes.length;
    await expect(readerCredentialProvider.delete("id", outs as ReaderCredentialOutputs)).rejects.toThrow(
        `cluster "east-1": the hub stack "proj/hub/mesh1" still reads this cluster (its remote secret, and its Interconnect may ` +
            `join the group); removing the reader istiod reads it with now would cut the mesh off from it; remove the group's ` +
            `NetworkGroupReference from the hub stack and run pulumi up there first, then run this again (a hub that is gone ` +
            `for good: kubectl -n ${ns} annotate configmap ${remoteAccess.hubRecord("mesh1")} ${annotations.hub}-)`,
    );
    expect(mesh.east.writes.length).toBe(before);
    await mark(null);
    await readerCredentialProvider.delete("id", outs as ReaderCredentialOutputs);
    expect(await mesh.east.get("v1", "ConfigMap", remoteAccess.hubRecord("mesh1"), ns)).toBeUndefined();
    expect(await mesh.east.get("v1", "Secret", remoteAccess.tokenSecret("mesh1"), ns)).toBeUndefined();
});

test("a group stack's group labels its clusters and writes no meshNetworks entry; the hub's writes the entry and touches no member", async () => {
    const labelsOnly = groupInputs("east", ["east-1"], {
        ...common(["east-1"]),
        controlPlaneCluster: "",
        configMap: "",
        manages: "labels",
    });
    await networkGroupProvider.create(labelsOnly);
    expect(mesh.hosted.writes).toEqual([]);
    expect(mesh.east.writes).toEqual([`apply Namespace /${ns} by pulumi-multinet/${ours}`]);

    const entry = groupInputs("east", ["east-1"], { ...common(["hosted"]), manages: "entry", clusterIds: { "east-1": "east-1" } });
    const before = mesh.east.writes.length;
    await networkGroupProvider.create(entry);
    expect(mesh.east.writes.length).toBe(before);
    const ledger = readLedger((await mesh.hosted.get("v1", "ConfigMap", "istio", ns))!, ours)!;
    expect([ledger.groups, ledger.groupClusters, ledger.referencedClusters]).toEqual([
        ["east"],
        { east: ["east-1"] },
        { east: { "east-1": "east-1" } },
    ]);
    await networkGroupProvider.delete("id", { ...entry, live: {}, liveEntry: true });
    expect(readLedger((await mesh.hosted.get("v1", "ConfigMap", "istio", ns))!, ours)).toBeUndefined();
});

test("a hub whose group another hub of the mesh already reads is refused at preview, writing nothing", async () => {
    markHub(theirs);
    const inputs = remoteSecretInputs("east-1", { reader: "group" });
    const { failures } = await remoteSecretProvider.check(undefined, inputs);
    expect(failures).toEqual([
        {
            property: "cluster",
            reason:
                `remote secret of "east-1": cluster "east-1": the hub stack "${theirs}" already reads it for mesh "mesh1"; a group ` +
                `joins one hub: remove its NetworkGroupReference from one of the two stacks`,
        },
    ]);
    expect(mesh.hosted.writes).toEqual([]);
});

describe("the hub's remote secret with a group's reader", () => {
    const readerKubeconfig = "users:\n  - name: east-1\n    user: { token: reader-token }\n";
    const hubInputs = () => {
        const i = remoteSecretInputs("east-1", { reader: "group" });
        return { ...i, kubeconfigs: { ...i.kubeconfigs, "east-1": readerKubeconfig } };
    };
    const record = async () => (await mesh.east.get("v1", "ConfigMap", remoteAccess.hubRecord("mesh1"), ns))?.metadata.annotations ?? {};

    test("marks the group's hub record (the hub and a digest of the token it holds) before istiod reads the cluster, and clears it on delete", async () => {
        await readerCredentialProvider.create(readerInputs());
        const order: string[] = [];
        mesh.east.before = (call) => void (call.verb === "patch" && order.push(`mark ${call.kind}`));
        mesh.hosted.before = (call) => void (call.verb === "apply" && order.push(`write ${call.kind}`));
        const { outs } = await remoteSecretProvider.create(hubInputs());
        expect(order).toEqual(["mark ConfigMap", "write Secret"]);
        expect(await record()).toMatchObject({ [annotations.hub]: ours, [annotations.hubToken]: tokenDigest("reader-token") });
        mesh.east.before = mesh.hosted.before = undefined;
        await remoteSecretProvider.delete("id", outs);
        expect([(await record())[annotations.hub], (await record())[annotations.hubToken]]).toEqual([undefined, undefined]);
        expect(await mesh.hosted.get("v1", "Secret", remoteAccess.remoteSecret("east-1"), ns)).toBeUndefined();
    });

    test("a group rotating twice before the hub's next update is refused, keeping the token istiod reads with", async () => {
        const first = (await readerCredentialProvider.create(readerInputs())).outs as ReaderCredentialOutputs;
        const token = (first.kubeconfig.match(/token: (.+)/) ?? [])[1];
        await mesh.east.mergePatch(
            "v1",
            "ConfigMap",
            remoteAccess.hubRecord("mesh1"),
            ns,
            { metadata: { annotations: { [annotations.hub]: "proj/hub/mesh1", [annotations.hubToken]: tokenDigest(token) } } },
            "hub",
        );
        const second = (await readerCredentialProvider.update("id", first, { ...readerInputs(), rotation: "r1" })).outs;
        expect(second.previousRotation).toBe("");
        await expect(readerCredentialProvider.update("id", second, { ...readerInputs(), rotation: "r2" })).rejects.toThrow(
            `cluster "east-1": the hub stack "proj/hub/mesh1" still reads this cluster with the token of rotation "" ` +
                `(Secret ${ns}/${remoteAccess.tokenSecret("mesh1")}), which this rotation would revoke; run pulumi up in the hub stack first`,
        );
        expect(await mesh.east.get("v1", "Secret", remoteAccess.tokenSecret("mesh1"), ns)).toBeDefined();
    });
});

describe("a group stack's group", () => {
    const labels = (clusters: string[]) =>
        groupInputs("east", clusters, { ...common(clusters), controlPlaneCluster: "", configMap: "", manages: "labels" });

    test("its first check (the engine passes empty olds for a create) passes", async () => {
        expect((await networkGroupProvider.check({} as never, labels(["east-1"]))).failures).toEqual([]);
    });

    test("a cluster leaving it while a hub reads the cluster is refused at preview, before anything is written", async () => {
        const olds = labels(["east-1", "west-1"]);
        await networkGroupProvider.create(olds);
        await mesh.west
            .mergePatch(
                "v1",
                "ConfigMap",
                remoteAccess.hubRecord("mesh1"),
                ns,
                { metadata: { annotations: { [annotations.hub]: "proj/hub/mesh1" } } },
                "hub",
            )
            .catch(() =>
                mesh.west.seed({
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    metadata: {
                        name: remoteAccess.hubRecord("mesh1"),
                        namespace: ns,
                        annotations: { [annotations.hub]: "proj/hub/mesh1" },
                    },
                }),
            );
        const { failures } = await networkGroupProvider.check(olds, labels(["east-1"]));
        expect(failures?.map((f) => f.reason)).toEqual([
            expect.stringContaining(
                `NetworkGroup "east": cluster "west-1": the hub stack "proj/hub/mesh1" still reads this cluster (its remote secret, and its ` +
                    `Interconnect may join the group); removing cluster "west-1" from group "east" now would cut the mesh off from it`,
            ),
        ]);
    });

    test("a whole-mesh group that becomes a group stack's keeps its labels and hands its entry over, without a replace", async () => {
        const whole = groupInputs("east", ["east-1"]);
        const created = (await networkGroupProvider.create(whole)).outs;
        const diff = await networkGroupProvider.diff("id", created, labels(["east-1"]));
        expect([diff.changes, diff.replaces]).toEqual([true, []]);
        const writes = mesh.east.writes.length;
        await networkGroupProvider.update("id", created, labels(["east-1"]));
        // Its labels are not released (nor rewritten: the claim's apply changes nothing).
        expect(mesh.east.writes.slice(writes)).toEqual([]);
        expect(readLedger((await mesh.hosted.get("v1", "ConfigMap", "istio", ns))!, ours)).toBeUndefined();
        expect((await mesh.east.get("v1", "Namespace", ns))!.metadata.labels?.["topology.istio.io/network"]).toBe("east");
    });
});
