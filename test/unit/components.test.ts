// The components without an engine (pulumi.runtime.setMocks): their errors, the inputs their dynamic resources
// receive (secrets stay secret, addresses flow from the gateways), and their outputs. The providers are not run
// here; the bed suites run them.
import * as pulumi from "@pulumi/pulumi";
import { clearFakeClusters, istioCluster } from "../helpers/fakeCluster";

interface Registered {
    type: string;
    name: string;
    inputs: any;
}

let registered: Registered[] = [];

/** What each dynamic provider would add to its inputs. */
function providerOutputs(type: string, inputs: any): Record<string, unknown> {
    switch (type.split(":").pop()) {
        case "EastWestGateway":
            return {
                address: inputs.requestedAddress ?? `203.0.113.${10 + registered.filter((r) => r.type === type).length}`,
                publishedPort: inputs.port ?? 15443,
            };
        case "GatewayRule":
            return { gatewayRule: `${inputs.namespace}/cross-network-gateway` };
        case "RemoteSecret":
            return { remoteSecret: `${inputs.namespace}/istio-remote-secret-${inputs.clusterId}` };
        case "Interconnect":
            return { meshNetworks: "networks: {}\n", controlPlaneRestarts: 0 };
        case "ReaderCredential":
            return { kubeconfig: `users: [{ name: ${inputs.clusterId}, user: { token: reader-of-${inputs.cluster} } }]` };
        default:
            return {};
    }
}

beforeAll(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: { ...args.inputs, ...providerOutputs(args.type, args.inputs) } };
            },
            call: (args) => args.inputs,
        },
        "proj",
        "dev",
        false,
    );
    // @pulumi/pulumi 3.259's mock monitor declares resource hooks supported but lacks the RPC to register one;
    // hooks never run under mocks anyway (the bed suites prove the warnings), so registering succeeds and does nothing.
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    monitor.registerResourceHook ??= (_req: unknown, callback: (err: Error | null, res: unknown) => void) => callback(null, {});
});
beforeEach(() => (registered = []));

// A component's warnings are tasks that read the clusters after its constructor returns (sdk/previewReads.ts,
// warnBeforeChanges). Each test waits for them, so that none outlives the file (Jest fails the run when one loads a
// module after its environment is torn down), and they read in-memory clusters, never a kubeconfig.
beforeEach(() => {
    clearFakeClusters();
    for (const name of ["hosted", "east-1", "west-1", "a", "b", "c"])
        istioCluster(name, { controlPlane: name === "hosted" || name === "a" });
});
afterEach(() => require("@pulumi/pulumi/runtime/settings").waitForRPCs());

// What the components warn (pulumi.log.warn prints to the console under mocks), per test.
let warned: string[] = [];
beforeEach(() => (warned = []));
beforeAll(() => jest.spyOn(console, "warn").mockImplementation((m) => void warned.push(String(m).replace(/^warning: \[runtime\] /, ""))));

// Imported after the mocks are set, as pulumi-eks's tests do.
const sdk = () => require("../../sdk") as typeof import("../../sdk");

const value = <T>(o: pulumi.Output<T>): Promise<T> => (o as any).promise();
const secret = (o: pulumi.Output<unknown>): Promise<boolean> => (o as any).isSecret;

function quickstart() {
    const { MultiNetworking, NetworkGroup, EastWestGateway, Interconnect } = sdk();
    const mn = new MultiNetworking("mesh1", {
        meshId: "mesh1",
        controlPlane: { cluster: "hosted" },
        clusters: [
            { name: "hosted", clusterId: "cluster1", kubeconfig: pulumi.secret("kubeconfig-hosted"), podCidrs: ["10.10.0.0/16"] },
            { name: "east-1", kubeconfig: pulumi.secret("kubeconfig-east"), podCidrs: ["10.20.0.0/16"] },
            { name: "west-1", kubeconfig: pulumi.secret("kubeconfig-west"), podCidrs: ["10.20.0.0/16"] },
        ],
    });
    const east = new NetworkGroup("east", { multiNetworking: mn, clusters: ["hosted", "east-1"] });
    const west = new NetworkGroup("west", { multiNetworking: mn, clusters: ["west-1"] });
    const gwEast = new EastWestGateway("east-1", { networkGroup: east, cluster: "east-1", replicas: 2 });
    const gwWest = new EastWestGateway("west-1", { networkGroup: west, cluster: "west-1", address: "203.0.113.7" });
    const ic = new Interconnect("mesh1", {
        multiNetworking: mn,
        members: [
            { networkGroup: east, gateways: [gwEast] },
            { networkGroup: west, gateways: [gwWest] },
        ],
    });
    return { mn, east, west, gwEast, gwWest, ic };
}

const of = (kind: string) =>
    registered.filter((r) => r.type === `pulumi-nodejs:dynamic/multinet:${kind}`).sort((a, b) => a.name.localeCompare(b.name));
const named = (kind: string, name: string) => of(kind).find((r) => r.name === name)!;

describe("the quickstart's resources", () => {
    test("one component per concept, each with its own dynamic resource type", async () => {
        const { ic } = quickstart();
        await value(ic.networks);
        expect(registered.filter((r) => r.type.startsWith("multinet:index:")).map((r) => `${r.type} ${r.name}`)).toEqual([
            "multinet:index:MultiNetworking mesh1",
            "multinet:index:NetworkGroup east",
            "multinet:index:NetworkGroup west",
            "multinet:index:EastWestGateway east-1",
            "multinet:index:EastWestGateway west-1",
            "multinet:index:Interconnect mesh1",
        ]);
        expect(of("GatewayRule").map((r) => r.name)).toEqual(["mesh1-gateway-rule"]);
        expect(of("RemoteSecret").map((r) => r.name)).toEqual(["mesh1-remote-secret-east-1", "mesh1-remote-secret-west-1"]);
        expect(of("NetworkGroup").map((r) => r.name)).toEqual(["east", "west"]);
        expect(of("EastWestGateway").map((r) => r.name)).toEqual(["east-1", "west-1"]);
        expect(of("Interconnect").map((r) => r.name)).toEqual(["mesh1"]);
    });

    test("each dynamic resource gets only the kubeconfigs it needs, and keeps them secret", async () => {
        const { gwEast, east } = quickstart();
        await value(gwEast.address);
        // On the wire a secret is { <secret signature>: <marker>, value }: the kubeconfigs travel that way only.
        const keys = (kind: string, name: string) => {
            const kubeconfigs = named(kind, name).inputs.kubeconfigs;
            expect(kubeconfigs[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
            return Object.keys(kubeconfigs.value).sort();
        };
        expect(keys("GatewayRule", "mesh1-gateway-rule")).toEqual(["east-1", "hosted", "west-1"]);
        expect(keys("RemoteSecret", "mesh1-remote-secret-west-1")).toEqual(["hosted", "west-1"]);
        expect(keys("NetworkGroup", "west")).toEqual(["hosted", "west-1"]);
        expect(keys("EastWestGateway", "east-1")).toEqual(["east-1"]);
        const group = (east as any).group as pulumi.CustomResource & { kubeconfigs: pulumi.Output<unknown> };
        expect(await secret(group.kubeconfigs)).toBe(true);
        expect(await secret(east.networkName)).toBe(false);
    });

    test("the inputs carry Istio's names: cluster IDs, the control plane, the network", async () => {
        const { gwEast } = quickstart();
        await value(gwEast.address);
        expect(named("GatewayRule", "mesh1-gateway-rule").inputs).toMatchObject({
            controlPlaneCluster: "hosted",
            controlPlaneClusterId: "cluster1",
            deployment: "istiod",
            configMap: "istio",
            namespace: "istio-system",
        });
        expect(named("RemoteSecret", "mesh1-remote-secret-east-1").inputs).toMatchObject({
            cluster: "east-1",
            clusterId: "east-1",
            server: "",
            controlPlaneCluster: "hosted",
        });
        expect(named("NetworkGroup", "east").inputs).toMatchObject({
            networkName: "east",
            clusters: ["hosted", "east-1"],
            controlPlaneCluster: "hosted",
            configMap: "istio",
        });
        expect(named("EastWestGateway", "east-1").inputs).toMatchObject({
            cluster: "east-1",
            clusterId: "east-1",
            networkName: "east",
            replicas: 2,
            serviceAnnotations: {},
            addressTimeoutSeconds: 300,
        });
    });

    test("the interconnect's members carry the gateways' addresses; outputs are typed values", async () => {
        const { ic, gwEast, gwWest, mn, east } = quickstart();
        expect(await value(gwWest.address)).toBe("203.0.113.7");
        const eastAddress = await value(gwEast.address);
        expect(await value(ic.networks)).toEqual(["east", "west"]);
        expect(named("Interconnect", "mesh1").inputs.members).toEqual([
            { networkName: "east", addresses: [eastAddress] },
            { networkName: "west", addresses: ["203.0.113.7"] },
        ]);
        expect(await value(ic.controlPlaneRestarts)).toBe(0);
        expect(await value(mn.gatewayRule)).toBe("istio-system/cross-network-gateway");
        expect(await value(mn.remoteSecrets)).toEqual([
            "istio-system/istio-remote-secret-east-1",
            "istio-system/istio-remote-secret-west-1",
        ]);
        expect(await value(east.clusters)).toEqual(["hosted", "east-1"]);
    });

    test("the preview's warnings are read from the clusters: the restart the interconnect costs, the injectors without networks", async () => {
        quickstart();
        await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
        expect(warned.sort()).toEqual([
            expect.stringMatching(/^cluster "east-1" takes network "east", but its sidecar injector gives Pods no network/),
            expect.stringMatching(/^cluster "hosted" takes network "east", but its sidecar injector gives Pods no network/),
            expect.stringMatching(/^cluster "west-1" takes network "west", but its sidecar injector gives Pods no network/),
            `this update restarts the mesh control plane: network(s) "east", "west" join the interconnect, so Deployment istio-system/istiod ` +
                `on cluster "hosted" rolls once. Set controlPlaneRestart: "never" to rely on istiod's hot reload instead.`,
        ]);
    });

    test("every gateway argument reaches its provider as given, from an EastWestGateway and from the Mesh component", async () => {
        const { Mesh, EastWestGateway, GatewayServiceType } = sdk();
        const { east } = quickstart();
        const args = {
            cluster: "hosted",
            replicas: 3,
            podAnnotations: { "prometheus.io/scrape": "true" },
            serviceAnnotations: { "example.com/lb": "nlb" },
            requestedAddress: "192.0.2.10",
            nodePort: 31443,
            port: 443,
            addressTimeoutSeconds: 60,
            proxyImage: "docker.io/istio/proxyv2:1.31.0",
        };
        const expected = { ...args, serviceType: "NodePort" };
        await value(new EastWestGateway("gw-hosted", { networkGroup: east, serviceType: "NodePort", ...args }).address);
        expect(named("EastWestGateway", "gw-hosted").inputs).toMatchObject(expected);

        const mesh = new Mesh("m", {
            meshId: "m",
            controlPlane: { cluster: "a" },
            clusters: [{ name: "a", kubeconfig: "x" }],
            groups: [{ name: "g", clusters: ["a"] }],
            gateways: [{ name: "gw-a", group: "g", serviceType: GatewayServiceType.NodePort, ...args, cluster: "a" }],
        });
        await value(mesh.gatewayAddresses);
        expect(named("EastWestGateway", "gw-a").inputs).toMatchObject({ ...expected, cluster: "a" });
    });

    test("address, requestedAddress's former name, still requests the address: from an EastWestGateway and from Mesh", async () => {
        const { Mesh } = sdk();
        const { gwWest } = quickstart(); // it gives address: "203.0.113.7"
        expect(await value(gwWest.address)).toBe("203.0.113.7");
        expect(named("EastWestGateway", "west-1").inputs).toMatchObject({ requestedAddress: "203.0.113.7" });
        expect(named("EastWestGateway", "west-1").inputs).not.toHaveProperty("address");
        const mesh = new Mesh("m", {
            meshId: "m",
            controlPlane: { cluster: "a" },
            clusters: [{ name: "a", kubeconfig: "x" }],
            groups: [{ name: "g", clusters: ["a"] }],
            gateways: [{ name: "gw-a", group: "g", cluster: "a", address: "192.0.2.10" }],
        });
        expect(await value(mesh.gatewayAddresses)).toEqual({ "gw-a": "192.0.2.10" });
        expect(named("EastWestGateway", "gw-a").inputs).toMatchObject({ requestedAddress: "192.0.2.10" });
    });

    test('remoteSecrets "external" makes none', async () => {
        const { MultiNetworking } = sdk();
        const mn = new MultiNetworking("m", {
            meshId: "m",
            controlPlane: { cluster: "a" },
            remoteSecrets: "external",
            clusters: [
                { name: "a", kubeconfig: "x" },
                { name: "b", kubeconfig: "y" },
            ],
        });
        expect(await value(mn.remoteSecrets)).toEqual([]);
        expect(of("RemoteSecret")).toEqual([]);
    });
});

describe("errors name the resource, the field and the fix", () => {
    const base = () => {
        const { MultiNetworking } = sdk();
        return new MultiNetworking("m", {
            meshId: "m",
            controlPlane: { cluster: "a" },
            clusters: [
                { name: "a", kubeconfig: "x", podCidrs: ["10.1.0.0/16"] },
                { name: "b", kubeconfig: "y", podCidrs: ["10.1.0.0/16"] },
                { name: "c", kubeconfig: "z" },
            ],
        });
    };

    test.each([
        [
            "a mesh id that is not a label",
            () =>
                new (sdk().MultiNetworking)("m", {
                    meshId: "M!",
                    controlPlane: { cluster: "a" },
                    clusters: [{ name: "a", kubeconfig: "x" }],
                }),
            /MultiNetworking "m": meshId: must be a DNS-1123 label/,
        ],
        [
            "a missing kubeconfig",
            () =>
                new (sdk().MultiNetworking)("m", {
                    meshId: "m",
                    controlPlane: { cluster: "a" },
                    clusters: [{ name: "a", kubeconfig: "" }],
                }),
            /clusters\[0\]\.kubeconfig: missing for cluster "a"/,
        ],
        [
            "overlapping CIDRs in a group",
            () => new (sdk().NetworkGroup)("g", { multiNetworking: base(), clusters: ["a", "b"] }),
            /NetworkGroup "g": clusters: Pod CIDRs overlap: "a" has 10\.1\.0\.0\/16 and "b" has 10\.1\.0\.0\/16/,
        ],
        [
            "a gateway outside its group",
            () =>
                new (sdk().EastWestGateway)("gw", {
                    networkGroup: new (sdk().NetworkGroup)("g", { multiNetworking: base(), clusters: ["a"] }),
                    cluster: "c",
                }),
            /EastWestGateway "gw": cluster: "c" is not a member of network group "g"/,
        ],
        [
            "a group that is not a NetworkGroup",
            () => new (sdk().EastWestGateway)("gw", { networkGroup: {} as any, cluster: "a" }),
            /EastWestGateway "gw": networkGroup: pass the NetworkGroup/,
        ],
        [
            "a member without gateways",
            () => {
                const mn = base();
                return new (sdk().Interconnect)("ic", {
                    multiNetworking: mn,
                    members: [{ networkGroup: new (sdk().NetworkGroup)("g", { multiNetworking: mn, clusters: ["a"] }), gateways: [] }],
                });
            },
            /Interconnect "ic": members\[0\] \("g"\)\.gateways: a network group joins the interconnect only through at least one EastWestGateway/,
        ],
        [
            "a second Interconnect for one mesh",
            () => {
                const mn = base();
                new (sdk().Interconnect)("ic1", { multiNetworking: mn, members: [] });
                return new (sdk().Interconnect)("ic2", { multiNetworking: mn, members: [] });
            },
            /Interconnect "ic2": multiNetworking: the mesh already has an Interconnect; a mesh has one, listing every member/,
        ],
        [
            "a member of another mesh",
            () => {
                const { NetworkGroup, EastWestGateway, Interconnect } = sdk();
                const other = new NetworkGroup("g", { multiNetworking: base(), clusters: ["a"] });
                return new Interconnect("ic", {
                    multiNetworking: base(),
                    members: [{ networkGroup: other, gateways: [new EastWestGateway("gw", { networkGroup: other, cluster: "a" })] }],
                });
            },
            /Interconnect "ic": members\[0\] \("g"\): belongs to another MultiNetworking \(mesh "m"\); an Interconnect joins groups and gateways of its own mesh only/,
        ],
    ])("%s", (_name, make, message) => {
        expect(make).toThrow(message);
    });

    test("the error is a ResourceError without a stack trace, so the preview shows the message alone", () => {
        try {
            new (sdk().MultiNetworking)("m", { meshId: "M!", controlPlane: { cluster: "a" }, clusters: [{ name: "a", kubeconfig: "x" }] });
            throw new Error("not refused");
        } catch (e) {
            expect(pulumi.ResourceError.isInstance(e)).toBe(true);
            expect((e as any).hideStack).toBe(true);
        }
    });

    test("a cluster in two groups of one mesh is refused by the second group", () => {
        const mn = base();
        const { NetworkGroup } = sdk();
        new NetworkGroup("g1", { multiNetworking: mn, clusters: ["a"] });
        expect(() => new NetworkGroup("g2", { multiNetworking: mn, clusters: ["c", "a"] })).toThrow(
            /NetworkGroup "g2": clusters\[1\]: "a" already belongs to network group "g1"/,
        );
    });
});

describe("a mesh split across stacks", () => {
    /** A group stack: cluster west-1 in group "west" with its gateway, no control plane. */
    function groupStack() {
        const { MultiNetworking, NetworkGroup, EastWestGateway } = sdk();
        const mn = new MultiNetworking("mesh1", {
            meshId: "mesh1",
            controlPlane: {},
            clusters: [{ name: "west-1", kubeconfig: pulumi.secret("kubeconfig-west"), podCidrs: ["10.20.0.0/16"] }],
        });
        const west = new NetworkGroup("west", { multiNetworking: mn, clusters: ["west-1"] });
        const gw = new EastWestGateway("west-1", { networkGroup: west, cluster: "west-1", address: "203.0.113.7" });
        return { mn, west, gw };
    }
    const exported = {
        meshId: "mesh1",
        networkName: "west",
        namespace: "istio-system",
        owner: "proj/west",
        clusters: [{ name: "west-1", clusterId: "west-1", podCidrs: [], reader: "reader-kubeconfig" }],
        gateways: [{ address: "203.0.113.7", port: 15443 }],
    };
    function hub() {
        const { MultiNetworking, NetworkGroup, NetworkGroupReference, EastWestGateway, Interconnect } = sdk();
        const mn = new MultiNetworking("mesh1", {
            meshId: "mesh1",
            controlPlane: { cluster: "hosted" },
            clusters: [{ name: "hosted", kubeconfig: pulumi.secret("kubeconfig-hosted") }],
        });
        const east = new NetworkGroup("east", { multiNetworking: mn, clusters: ["hosted"] });
        const gwEast = new EastWestGateway("hosted", { networkGroup: east, cluster: "hosted", address: "203.0.113.5" });
        const west = new NetworkGroupReference("west", { multiNetworking: mn, group: exported });
        return { mn, east, gwEast, west, Interconnect };
    }

    test("a group stack writes nothing on a control plane: its group labels only, its readers, and exports them secret", async () => {
        const { west, gw } = groupStack();
        const out = west.export([gw]);
        expect(await secret(out)).toBe(true);
        expect(await value(out)).toEqual({
            meshId: "mesh1",
            networkName: "west",
            namespace: "istio-system",
            owner: "proj/dev",
            clusters: [
                {
                    name: "west-1",
                    clusterId: "west-1",
                    podCidrs: ["10.20.0.0/16"],
                    reader: "users: [{ name: west-1, user: { token: reader-of-west-1 } }]",
                },
            ],
            gateways: [{ address: "203.0.113.7", port: 15443 }],
        });
        expect(registered.map((r) => r.type.split(/[:/]/).pop()).sort()).toEqual(
            ["EastWestGateway", "EastWestGateway", "MultiNetworking", "NetworkGroup", "NetworkGroup", "ReaderCredential"].sort(),
        );
        const group = named("NetworkGroup", "west").inputs;
        expect([group.manages, group.controlPlaneCluster, Object.keys(group.kubeconfigs.value)]).toEqual(["labels", "", ["west-1"]]);
        expect(Object.keys(named("ReaderCredential", "mesh1-reader-west-1").inputs.kubeconfigs.value)).toEqual(["west-1"]);
    });

    test("an Interconnect or a NetworkGroupReference needs the control plane: refused in a group stack, with the fix", () => {
        const { mn, west, gw } = groupStack();
        const { Interconnect, NetworkGroupReference } = sdk();
        expect(() => new Interconnect("ic", { multiNetworking: mn, members: [{ networkGroup: west, gateways: [gw] }] })).toThrow(
            'Interconnect "ic": multiNetworking: has no controlPlane.cluster (a group stack), and the interconnect lives on the ' +
                "control plane; declare it in the hub stack, which holds the control plane, or give controlPlane.cluster here",
        );
        expect(() => new NetworkGroupReference("r", { multiNetworking: mn, group: exported })).toThrow(
            'NetworkGroupReference "r": multiNetworking: has no controlPlane.cluster (a group stack)',
        );
    });

    test("the hub writes the referenced group's entry and remote secrets on the control plane only, with the exported reader", async () => {
        const { mn, east, gwEast, west, Interconnect } = hub();
        const ic = new Interconnect("mesh1", {
            multiNetworking: mn,
            members: [{ networkGroup: east, gateways: [gwEast] }, { networkGroup: west }],
        });
        expect(await value(ic.networks)).toEqual(["east", "west"]);
        const entry = named("NetworkGroup", "west").inputs;
        expect([entry.manages, entry.networkName, entry.clusters, Object.keys(entry.kubeconfigs.value)]).toEqual([
            "entry",
            "west",
            ["west-1"],
            ["hosted"],
        ]);
        const rs = named("RemoteSecret", "west-remote-secret-west-1").inputs;
        expect([rs.reader, rs.controlPlaneCluster, rs.clusterId]).toEqual(["group", "hosted", "west-1"]);
        expect(rs.kubeconfigs.value).toEqual({ hosted: "kubeconfig-hosted", "west-1": "reader-kubeconfig" });
        expect(named("Interconnect", "mesh1").inputs.members).toEqual([
            { networkName: "east", addresses: ["203.0.113.5"] },
            { networkName: "west", addresses: ["203.0.113.7"] },
        ]);
    });

    test("the Mesh component splits alike: a group stack's Mesh exports its groups, a hub's Mesh takes them as references", async () => {
        const { Mesh } = sdk();
        const group = new Mesh("west", {
            meshId: "mesh1",
            controlPlane: {},
            clusters: [{ name: "west-1", kubeconfig: pulumi.secret("kubeconfig-west") }],
            groups: [{ name: "west", clusters: ["west-1"] }],
            gateways: [{ name: "gw-west", group: "west", cluster: "west-1", requestedAddress: "203.0.113.7" }],
        });
        expect(await secret(group.groupExports)).toBe(true);
        const exports = await value(group.groupExports);
        expect(exports.west).toMatchObject({ networkName: "west", gateways: [{ address: "203.0.113.7", port: 15443 }] });
        registered = [];
        const hub = new Mesh("hub", {
            meshId: "mesh1",
            controlPlane: { cluster: "hosted" },
            clusters: [{ name: "hosted", kubeconfig: pulumi.secret("kubeconfig-hosted") }],
            groups: [{ name: "east", clusters: ["hosted"] }],
            gateways: [{ name: "gw-east", group: "east", cluster: "hosted", requestedAddress: "203.0.113.5" }],
            references: [{ name: "west", group: exports.west }],
            interconnect: { members: [{ group: "east", gateways: ["gw-east"] }, { group: "west" }] },
        });
        expect(await value(hub.interconnected)).toEqual(["east", "west"]);
        expect(await value(hub.groupExports)).toEqual({});
        expect(registered.filter((r) => r.type === "multinet:index:NetworkGroupReference").map((r) => r.name)).toEqual(["west"]);
        expect(named("Interconnect", "mesh1").inputs.members).toEqual([
            { networkName: "east", addresses: ["203.0.113.5"] },
            { networkName: "west", addresses: ["203.0.113.7"] },
        ]);
    });

    test("a reference's gateways come from its export: listing gateways for it is refused", () => {
        const { mn, east, gwEast, west, Interconnect } = hub();
        expect(
            () =>
                new Interconnect("mesh1", {
                    multiNetworking: mn,
                    members: [
                        { networkGroup: east, gateways: [gwEast] },
                        { networkGroup: west, gateways: [gwEast] },
                    ],
                }),
        ).toThrow(
            'Interconnect "mesh1": members[1].gateways: a NetworkGroupReference brings the gateways its group stack exported; leave gateways out',
        );
    });
});
