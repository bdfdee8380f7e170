// Ownership: what another stack or tool made is never taken over. The preview's checks name it (and write
// nothing), and a write refuses it, whether the provider sees the owner annotation first (notOwned, assertOwned) or
// the API server refuses the fields another manager holds (applyAs without heal). Run against fake clusters.
import { eastWestGatewayProvider } from "../../provider/resources/eastWestGateway";
import { gatewayRuleProvider } from "../../provider/resources/gatewayRule";
import { networkGroupProvider } from "../../provider/resources/networkGroup";
import { remoteSecretProvider } from "../../provider/resources/remoteSecret";
import { applyAs } from "../../provider/resources/common";
import { Cluster } from "../../provider/kube";
import { annotations, labels } from "../../core/names";
import { FakeCluster } from "../helpers/fakeCluster";
import {
    fakeMesh,
    gatewayInputs,
    gatewayRuleInputs,
    groupInputs,
    Mesh,
    ns,
    ourManager,
    ours,
    remoteSecretInputs,
    theirManager,
    theirs,
} from "../helpers/meshFixture";

const owned = (owner?: string) => (owner ? { annotations: { [annotations.owner]: owner } } : {});
const service = (owner?: string) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istio-eastwestgateway", namespace: ns, ...owned(owner) },
    spec: { type: "LoadBalancer", ports: [{ port: 15443 }] },
});
const rule = (owner?: string) => ({
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name: "cross-network-gateway", namespace: ns, ...owned(owner) },
    spec: {},
});
const remoteSecret = (owner?: string) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "istio-remote-secret-east-1", namespace: ns, labels: { [labels.multiCluster]: "true" }, ...owned(owner) },
    data: { "east-1": "a2lsbA==" },
});

let mesh: Mesh;
beforeEach(() => (mesh = fakeMesh()));

const writes = () => [mesh.hosted, mesh.east, mesh.west].flatMap((c) => c.writes);

type Check = () => Promise<{ failures?: { property: string; reason: string }[] }>;

// [case, what is on the clusters, the check, the failure it reports (property, reason)]
const checkRefusals: [string, (m: Mesh) => void, Check, string, string][] = [
    [
        "a gateway Service of another stack",
        (m) => m.east.seed(service(theirs)),
        () => eastWestGatewayProvider.check(undefined, gatewayInputs("east-1", "east")),
        "cluster",
        `EastWestGateway on "east-1": cluster "east-1": Service istio-system/istio-eastwestgateway already exists, made by another stack or mesh ("${theirs}"); it is not taken over. Delete it, or manage the gateway from the stack that made it; one east-west gateway per cluster.`,
    ],
    [
        "a gateway Service of another tool",
        (m) => m.east.seed(service()),
        () => eastWestGatewayProvider.check(undefined, gatewayInputs("east-1", "east")),
        "cluster",
        `EastWestGateway on "east-1": cluster "east-1": Service istio-system/istio-eastwestgateway already exists, made by something other than pulumi-multinet; it is not taken over.`,
    ],
    [
        "a cluster whose injector selects no gateway pod",
        (m) => m.east.drop("MutatingWebhookConfiguration", "istio-sidecar-injector"),
        () => eastWestGatewayProvider.check(undefined, gatewayInputs("east-1", "east")),
        "cluster",
        `EastWestGateway on "east-1": cluster "east-1" has no Istio sidecar injector that selects the gateway's pods`,
    ],
    [
        "a gateway cluster where the user may not create Deployments",
        (m) => (m.east.allows = (verb, _group, resource) => !(verb === "create" && resource === "deployments")),
        () => eastWestGatewayProvider.check(undefined, gatewayInputs("east-1", "east")),
        "cluster",
        `EastWestGateway on "east-1": cluster "east-1": the kubeconfig's user lacks permission to create deployments.apps in namespace istio-system; grant it`,
    ],
    [
        "a Gateway Rule of another stack",
        (m) => m.hosted.seed(rule(theirs)),
        () => gatewayRuleProvider.check(undefined, gatewayRuleInputs()),
        "",
        `MultiNetworking of mesh "mesh1": cluster "hosted": Gateway istio-system/cross-network-gateway already exists, made by another stack or mesh ("${theirs}"); it is not taken over. Delete it, or enable multi-networking from the stack that made it.`,
    ],
    [
        "a control plane whose istiod runs with another CLUSTER_ID",
        () => undefined,
        () => gatewayRuleProvider.check(undefined, gatewayRuleInputs({ controlPlaneClusterId: "hub" })),
        "controlPlaneClusterId",
        `MultiNetworking of mesh "mesh1": istiod (Deployment istio-system/istiod on cluster "hosted") runs with CLUSTER_ID "hosted", but the program gives that cluster the Istio cluster ID "hub". Istio names clusters by these IDs (remote secrets, endpoints); set clusterId: "hosted" on cluster "hosted"`,
    ],
    [
        "a cluster without the Istio namespace",
        (m) => m.west.drop("Namespace", ns),
        () => gatewayRuleProvider.check(undefined, gatewayRuleInputs()),
        "namespace",
        `MultiNetworking of mesh "mesh1": cluster "west-1" has no namespace "istio-system"; install Istio there first or set the MultiNetworking's controlPlane.namespace`,
    ],
    [
        "a remote secret istioctl made",
        (m) => m.hosted.seed(remoteSecret()),
        () => remoteSecretProvider.check(undefined, remoteSecretInputs("east-1")),
        "cluster",
        `remote secret of "east-1": cluster "hosted": Secret istio-system/istio-remote-secret-east-1 already exists, made by something other than pulumi-multinet; it is not taken over. Manage this cluster's remote secret from where it was made (istioctl create-remote-secret, another stack) and set the MultiNetworking's remoteSecrets: "external".`,
    ],
    [
        "a reader ClusterRole of another stack",
        (m) =>
            m.east.seed({
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: "multinet-istio-reader-mesh1", ...owned(theirs) },
                rules: [],
            }),
        () => remoteSecretProvider.check(undefined, remoteSecretInputs("east-1")),
        "cluster",
        `remote secret of "east-1": cluster "east-1": ClusterRole multinet-istio-reader-mesh1 already exists, made by another stack or mesh ("${theirs}"); it is not taken over. It belongs to another stack of this mesh: manage the remote secret there and set remoteSecrets: "external" here.`,
    ],
    [
        "a cluster in a group of another stack",
        (m) =>
            m.east.edit("Namespace", ns, undefined, {
                metadata: { labels: { [labels.network]: "east", [labels.networkGroup]: "east" }, ...owned(theirs) },
            }),
        () => networkGroupProvider.check(undefined, groupInputs("east", ["hosted", "east-1"])),
        "clusters",
        `NetworkGroup "east": cluster "east-1" already belongs to network group "east" of "${theirs}"; a cluster is in one group only — remove it there first`,
    ],
    [
        "a namespace another tool labelled with another network",
        (m) => m.east.edit("Namespace", ns, undefined, { metadata: { labels: { [labels.network]: "legacy" } } }, "kubectl-label"),
        () => networkGroupProvider.check(undefined, groupInputs("east", ["hosted", "east-1"])),
        "clusters",
        `NetworkGroup "east": namespace istio-system on cluster "east-1" is already labelled topology.istio.io/network=legacy by something other than pulumi-multinet; it is not taken over silently — remove that label (kubectl label namespace istio-system topology.istio.io/network-) or name the group "legacy"`,
    ],
    [
        "a cluster whose injector gives Pods another network",
        (m) => m.east.edit("MutatingWebhookConfiguration", "istio-sidecar-injector", undefined, { webhooks: injectedInto("south") }),
        () => networkGroupProvider.check(undefined, groupInputs("east", ["hosted", "east-1"])),
        "clusters",
        `NetworkGroup "east": the sidecar injector of cluster "east-1" gives its Pods network "south" (MutatingWebhookConfiguration istio-sidecar-injector (path /inject/cluster/east-1/net/south)), not the group's "east"`,
    ],
];

/** The bed's injector webhooks with an injection path that gives Pods `network`. */
function injectedInto(network: string) {
    const { injectorWebhook } = require("../../bed/seed") as typeof import("../../bed/seed");
    return injectorWebhook().webhooks.map((w) => ({
        ...w,
        clientConfig: { ...w.clientConfig, service: { ...w.clientConfig.service, path: `/inject/cluster/east-1/net/${network}` } },
    }));
}

describe("a preview's checks name what is not ours, and write nothing", () => {
    test.each(checkRefusals)("%s", async (_name, arrange, check, property, reason) => {
        arrange(mesh);
        const before = writes().length;
        const { failures } = await check();
        expect(failures).toHaveLength(1);
        expect(failures![0].property).toBe(property);
        expect(failures![0].reason).toContain(reason);
        expect(writes().length).toBe(before);
    });

    test("the injector's network is named with the fix", async () => {
        mesh.east.edit("MutatingWebhookConfiguration", "istio-sidecar-injector", undefined, { webhooks: injectedInto("south") });
        const { failures } = await networkGroupProvider.check(undefined, groupInputs("east", ["hosted", "east-1"]));
        expect(failures![0].reason).toContain(
            `. Fix: name the group after the install's network ("south"), or change the install of "east-1"`,
        );
    });

    test("with everything ours or free, the checks find nothing", async () => {
        const results = await Promise.all([
            eastWestGatewayProvider.check(undefined, gatewayInputs("east-1", "east")),
            gatewayRuleProvider.check(undefined, gatewayRuleInputs()),
            remoteSecretProvider.check(undefined, remoteSecretInputs("east-1")),
            networkGroupProvider.check(undefined, groupInputs("east", ["hosted", "east-1"])),
        ]);
        expect(results.map((r) => r.failures ?? [])).toEqual([[], [], [], []]);
        expect(writes()).toEqual([]);
    });
});

describe("a write refuses what is not ours, and leaves it as it was", () => {
    // [case, what is there, the cluster and object that must stay as they were, the write, the error]
    const writeRefusals: [string, (m: Mesh) => void, (m: Mesh) => FakeCluster, [string, string], () => Promise<unknown>, string][] = [
        [
            "a gateway over another stack's Service",
            (m) => m.east.seed(service(theirs)),
            (m) => m.east,
            ["Service", "istio-eastwestgateway"],
            () => eastWestGatewayProvider.create(gatewayInputs("east-1", "east")),
            `cluster "east-1": Service istio-system/istio-eastwestgateway already exists, made by another stack or mesh ("${theirs}")`,
        ],
        [
            "a Gateway Rule over another tool's",
            (m) => m.hosted.seed(rule()),
            (m) => m.hosted,
            ["Gateway", "cross-network-gateway"],
            () => gatewayRuleProvider.create(gatewayRuleInputs()),
            `cluster "hosted": Gateway istio-system/cross-network-gateway already exists, made by something other than pulumi-multinet`,
        ],
        [
            "a remote secret over istioctl's",
            (m) => m.hosted.seed(remoteSecret()),
            (m) => m.hosted,
            ["Secret", "istio-remote-secret-east-1"],
            () => remoteSecretProvider.create(remoteSecretInputs("east-1")),
            `cluster "hosted": Secret istio-system/istio-remote-secret-east-1 already exists, made by something other than pulumi-multinet`,
        ],
    ];

    test.each(writeRefusals)("%s", async (_name, arrange, where, [kind, name], write, message) => {
        arrange(mesh);
        const before = where(mesh).peek(kind, name, ns);
        const inventories = [mesh.hosted, mesh.east, mesh.west].map((c) => c.inventory());
        await expect(write()).rejects.toThrow(message);
        expect(where(mesh).peek(kind, name, ns)).toEqual(before);
        expect([mesh.hosted, mesh.east, mesh.west].map((c) => c.inventory())).toEqual(inventories);
        expect(writes()).toEqual([]);
    });

    test("a group refuses a namespace whose labels another stack's field manager holds (the API server's 409 names it)", async () => {
        // Another stack's group holds east-1 (its labels by its own field manager), and this stack's check raced it.
        await networkGroupProvider.create(groupInputs("south", ["east-1"], { owner: "proj/other" }));
        const labelsBefore = mesh.east.peek("Namespace", ns)!.metadata.labels;
        const { data, metadata } = mesh.hosted.peek("ConfigMap", "istio", ns)!;
        const e = networkGroupProvider.create(groupInputs("east", ["hosted", "east-1"]));
        await expect(e).rejects.toThrow(
            `cluster "east-1": Namespace istio-system has fields held by another stack or mesh ("${theirs}"); they are not taken over. A cluster is in one group only: remove it from that group first.`,
        );
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels).toEqual(labelsBefore);
        expect(mesh.east.fieldsOf("Namespace", ns, undefined, theirManager)).toContain(`.metadata.labels.${labels.network}`);
        // The failed create took back what it wrote: hosted's label and the group's meshNetworks entry.
        expect(mesh.hosted.peek("Namespace", ns)!.metadata.labels ?? {}).toEqual({});
        const after = mesh.hosted.peek("ConfigMap", "istio", ns)!;
        expect([after.data, after.metadata.annotations]).toEqual([data, metadata.annotations]);
    });

    test("a group refuses a network label set by hand to another value, naming the tool's field manager", async () => {
        mesh.east.edit("Namespace", ns, undefined, { metadata: { labels: { [labels.network]: "legacy" } } }, "kubectl-label");
        await expect(networkGroupProvider.create(groupInputs("east", ["east-1"]))).rejects.toThrow(
            `cluster "east-1": Namespace istio-system has fields held by "kubectl-label"; they are not taken over.`,
        );
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels).toEqual({ [labels.network]: "legacy" });
    });

    test("a label set by hand to the group's own value is shared, and stays when the group goes", async () => {
        mesh.east.edit("Namespace", ns, undefined, { metadata: { labels: { [labels.network]: "east" } } }, "kubectl-label");
        const { outs } = await networkGroupProvider.create(groupInputs("east", ["east-1"]));
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels).toMatchObject({ [labels.network]: "east", [labels.networkGroup]: "east" });
        await networkGroupProvider.delete("id", outs);
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels).toEqual({ [labels.network]: "east" });
    });

    test("disabling is refused while a network group of the mesh exists, another stack's included", async () => {
        const { outs } = await gatewayRuleProvider.create(gatewayRuleInputs());
        await networkGroupProvider.create(groupInputs("west", ["west-1"], { owner: "proj/other" }));
        await expect(gatewayRuleProvider.delete("id", outs)).rejects.toThrow(
            `multi-networking of mesh "mesh1" cannot be disabled while network groups exist: "west" on cluster "west-1". Delete every NetworkGroup of the mesh first (also those of other stacks), then disable it.`,
        );
        expect(mesh.hosted.peek("Gateway", "cross-network-gateway", ns)).toBeDefined();
    });

    test("a delete leaves what another stack made: only objects stamped with our owner go", async () => {
        const { outs } = await eastWestGatewayProvider.create(gatewayInputs("east-1", "east", { replicas: 2 }));
        // Another stack's PDB under the same name (it took the name over after ours was deleted by hand).
        mesh.east.drop("PodDisruptionBudget", "istio-eastwestgateway", ns);
        mesh.east.seed({
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: "istio-eastwestgateway", namespace: ns, ...owned(theirs) },
            spec: { minAvailable: 1 },
        });
        await eastWestGatewayProvider.delete("id", outs);
        expect(mesh.east.inventory().filter((o) => o.includes("eastwest"))).toEqual([
            "PodDisruptionBudget istio-system/istio-eastwestgateway",
        ]);
    });
});

describe("field managers", () => {
    test("every write is a server-side apply with the owner's own field manager, never a blanket force", async () => {
        await eastWestGatewayProvider.create(gatewayInputs("east-1", "east"));
        expect(mesh.east.writes.filter((w) => w.startsWith("apply"))).toEqual([
            `apply ServiceAccount istio-system/istio-eastwestgateway-service-account by ${ourManager}`,
            `apply Deployment istio-system/istio-eastwestgateway by ${ourManager}`,
            `apply Service istio-system/istio-eastwestgateway by ${ourManager}`,
        ]);
    });

    test("fields only the pre-0.2 field manager held on an object of ours, and that we no longer write, are dropped", async () => {
        const { outs } = await gatewayRuleProvider.create(gatewayRuleInputs());
        // A release before 0.2 wrote the rule with its one field manager, and a label we no longer write.
        mesh.hosted.drop("Gateway", "cross-network-gateway", ns);
        const old = { ...rule(ours), metadata: { ...rule(ours).metadata, labels: { "multinet.pulumi.io/old": "x" } } };
        await mesh.hosted.apply({ ...old, spec: outs.liveSpec }, "pulumi-multinet", false);
        await gatewayRuleProvider.update("id", outs, gatewayRuleInputs());
        const live = mesh.hosted.peek("Gateway", "cross-network-gateway", ns)!;
        expect(live.metadata.labels).not.toHaveProperty("multinet.pulumi.io/old");
        expect(live.metadata.managedFields.map((f: any) => f.manager)).toEqual([ourManager]);
    });

    test("applyAs with heal takes back fields someone else changed, without heal it refuses them", async () => {
        const c = Cluster.connect({ name: "east-1", kubeconfig: "kubeconfig of east-1" }); // the fake, through the seam
        const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: ns, ...owned(ours) }, data: { a: "1" } };
        await applyAs(c, cm, ours, false);
        mesh.east.edit("ConfigMap", "x", ns, { data: { a: "2" } });
        await expect(applyAs(c, cm, ours, false, "Fix it.")).rejects.toThrow(
            `cluster "east-1": ConfigMap istio-system/x has fields held by "kubectl-edit"; they are not taken over. Fix it.`,
        );
        await applyAs(c, cm, ours, true);
        expect(mesh.east.peek("ConfigMap", "x", ns)!.data).toEqual({ a: "1" });
        // Another stack's fields are refused even with heal.
        await applyAs(c, { ...cm, metadata: { ...cm.metadata, name: "y" } }, theirs, false);
        await expect(applyAs(c, { ...cm, metadata: { ...cm.metadata, name: "y" }, data: { a: "3" } }, ours, true)).rejects.toThrow(
            `has fields held by another stack or mesh ("${theirs}")`,
        );
    });
});
