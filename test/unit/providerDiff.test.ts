// Each provider's diff: which input changes replace the resource (and whether the old one must go first), which
// update it in place, and which change nothing; a field a state of an older release lacks replaces nothing. The
// interconnect's diff also reads the control plane (an owed restart), so it runs against fake clusters.
import { eastWestGatewayProvider, EastWestGatewayOutputs } from "../../provider/resources/eastWestGateway";
import { gatewayRuleProvider, GatewayRuleOutputs } from "../../provider/resources/gatewayRule";
import { interconnectProvider, InterconnectOutputs } from "../../provider/resources/interconnect";
import { networkGroupProvider, NetworkGroupOutputs } from "../../provider/resources/networkGroup";
import { remoteSecretProvider, RemoteSecretOutputs } from "../../provider/resources/remoteSecret";
import { gatewayRuleSpec } from "../../core/render";
import { unknown } from "../../provider/resources/common";
import { fakeMesh, gatewayInputs, gatewayRuleInputs, groupInputs, interconnectInputs, remoteSecretInputs } from "../helpers/meshFixture";

beforeEach(() => fakeMesh());

/** What a diff says: "none", "update", or "replace <fields>" (with "first" when the old one is deleted first). */
function verdict(d: { changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }): string {
    if (d.replaces?.length) return `replace ${d.replaces.join(",")}${d.deleteBeforeReplace ? " first" : ""}`;
    return d.changes ? "update" : "none";
}

// [input change, verdict]: each row changes one input of the state's (or, with a function, the state itself).
type Row<O> = [string, Partial<O> | ((o: O) => O), string];
const apply = <O>(o: O, change: Partial<O> | ((o: O) => O)): O => (typeof change === "function" ? change(o) : { ...o, ...change });

// Rows every diff answers alike: it compares every input it is not told to skip, and never the engine's own.
const everyInput = <O>(): Row<O>[] => [
    ["an input no provider names (one added later)", { addedLater: "x" } as any, "update"],
    ["__provider (our shim as another install serialized it)", { __provider: "exports.handler = () => 0;" } as any, "none"],
];

describe("EastWestGateway", () => {
    const inputs = gatewayInputs("east-1", "east");
    const state: EastWestGatewayOutputs = { ...inputs, address: "192.0.2.1", publishedPort: 15443, applied: ["a", "b", "c"], drift: [] };
    const rows: Row<EastWestGatewayOutputs>[] = [
        ["nothing", {}, "none"],
        ["cluster", { cluster: "west-1" }, "replace cluster"],
        ["namespace", { namespace: "istio-gateways" }, "replace namespace first"],
        ["meshId", { meshId: "mesh2" }, "replace meshId first"],
        ["networkName", { networkName: "west" }, "update"],
        ["clusterId", { clusterId: "c9" }, "update"],
        ["replicas", { replicas: 3 }, "update"],
        ["serviceAnnotations", { serviceAnnotations: { "example.com/lb": "nlb" } }, "update"],
        ["requestedAddress", { requestedAddress: "192.0.2.50" }, "update"],
        ["serviceType", { serviceType: "NodePort" }, "update"],
        ["nodePort", { nodePort: 31443 }, "update"],
        ["port", { port: 8443 }, "update"],
        ["proxyImage", { proxyImage: "docker.io/istio/proxyv2:1.31.0" }, "update"],
        ["podAnnotations", { podAnnotations: { "prometheus.io/scrape": "true" } }, "update"],
        ["addressTimeoutSeconds", { addressTimeoutSeconds: 60 }, "update"],
        ["kubeconfigs (rotated credentials, or the cluster rebuilt)", { kubeconfigs: { "east-1": "new" } }, "update"],
        ["owner (the stack renamed)", { owner: "proj/prod" }, "update"],
        ...everyInput<EastWestGatewayOutputs>(),
    ];
    test.each(rows)("%s: %s", async (_name, change, expected) => {
        expect(verdict(await eastWestGatewayProvider.diff("id", state, apply(state, change)))).toBe(expected);
    });
    test.each<Row<EastWestGatewayOutputs>>([
        ["drift seen by the last read", { drift: ["Deployment istio-eastwestgateway"] }, "update"],
        ["a state without fingerprints (a release before them)", { applied: undefined as any }, "update"],
        ["a state without a namespace (an older release) and the same inputs", { namespace: undefined as any }, "none"],
        ["a proxyImage the program no longer gives", { proxyImage: "docker.io/istio/proxyv2:1.31.0" }, "update"],
        ["podAnnotations the program no longer gives", { podAnnotations: { "prometheus.io/scrape": "true" } }, "update"],
    ])("%s: %s", async (_name, change, expected) => {
        expect(verdict(await eastWestGatewayProvider.diff("id", apply(state, change), inputs))).toBe(expected);
    });
});

describe("NetworkGroup", () => {
    const inputs = groupInputs("east", ["hosted", "east-1"]);
    const state: NetworkGroupOutputs = { ...inputs, live: { hosted: "east", "east-1": "east" }, liveEntry: true };
    const rows: Row<NetworkGroupOutputs>[] = [
        ["nothing", {}, "none"],
        ["members in another order", { clusters: ["east-1", "hosted"] }, "none"],
        ["networkName", { networkName: "east2" }, "replace networkName"],
        ["meshId", { meshId: "mesh2" }, "replace meshId"],
        ["namespace", { namespace: "istio-gateways" }, "replace namespace"],
        ["a member more", { clusters: ["hosted", "east-1", "west-1"] }, "update"],
        ["a member less", { clusters: ["hosted"] }, "update"],
        ["the mesh ConfigMap (the entry moves)", { configMap: "istio-canary" }, "update"],
        ["the control-plane cluster (the entry moves)", { controlPlaneCluster: "east-1" }, "update"],
        ["kubeconfigs", { kubeconfigs: { hosted: "new", "east-1": "new" } }, "update"],
        ["owner", { owner: "proj/prod" }, "update"],
        ...everyInput<NetworkGroupOutputs>(),
    ];
    test.each(rows)("%s: %s", async (_name, change, expected) => {
        expect(verdict(await networkGroupProvider.diff("id", state, apply(state, change)))).toBe(expected);
    });
    test.each<Row<NetworkGroupOutputs>>([
        ["a member's label seen changed", { live: { hosted: "east", "east-1": "other" } }, "update"],
        ["a member's label seen gone", { live: { hosted: "east", "east-1": null } }, "update"],
        ["the entry seen gone", { liveEntry: false }, "update"],
        ["a state without liveEntry (a release before 0.2 wrote no entry)", { liveEntry: undefined }, "update"],
    ])("%s: %s", async (_name, change, expected) => {
        expect(verdict(await networkGroupProvider.diff("id", apply(state, change), inputs))).toBe(expected);
    });
});

describe("GatewayRule (MultiNetworking)", () => {
    const inputs = gatewayRuleInputs();
    const state: GatewayRuleOutputs = { ...inputs, gatewayRule: "istio-system/cross-network-gateway", liveSpec: gatewayRuleSpec() };
    const rows: Row<GatewayRuleOutputs>[] = [
        ["nothing", {}, "none"],
        ["controlPlaneCluster", { controlPlaneCluster: "east-1" }, "replace controlPlaneCluster"],
        ["namespace", { namespace: "istio-gateways" }, "replace namespace first"],
        ["meshId", { meshId: "mesh2" }, "replace meshId first"],
        ["clusters", { clusters: ["hosted", "east-1"] }, "update"],
        ["clusterIds", { clusterIds: { hosted: "cluster1", "east-1": "east-1", "west-1": "west-1" } }, "update"],
        ["remoteSecrets", { remoteSecrets: "external" }, "update"],
        ["deployment", { deployment: "istiod-canary" }, "update"],
        ["the mesh ConfigMap (the mesh record moves)", { configMap: "istio-canary" }, "update"],
        ["kubeconfigs", { kubeconfigs: { hosted: "new" } }, "update"],
        ["owner", { owner: "proj/prod" }, "update"],
        // Named by no diff before diffs compared every input.
        ["controlPlaneClusterId", { controlPlaneClusterId: "cluster1" }, "update"],
        ["istiod (how resources wait for it; only check reads it)", { istiod: { deployment: "istiod", timeoutSeconds: 9 } }, "none"],
        ...everyInput<GatewayRuleOutputs>(),
    ];
    test.each(rows)("%s: %s", async (_name, change, expected) => {
        expect(verdict(await gatewayRuleProvider.diff("id", state, apply(state, change)))).toBe(expected);
    });
    test.each<Row<GatewayRuleOutputs>>([
        ["the rule seen deleted", { liveSpec: null }, "update"],
        ["the rule seen changed", { liveSpec: { ...gatewayRuleSpec(), selector: { istio: "ingressgateway" } } }, "update"],
        ["clusterIds the program no longer gives", { clusterIds: { hosted: "cluster1" } }, "update"],
    ])("%s: %s", async (_name, change, expected) => {
        expect(verdict(await gatewayRuleProvider.diff("id", apply(state, change), inputs))).toBe(expected);
    });
});

describe("RemoteSecret", () => {
    const inputs = remoteSecretInputs("east-1");
    const state: RemoteSecretOutputs = {
        ...inputs,
        remoteSecret: "istio-system/istio-remote-secret-east-1",
        wroteServer: "https://127.0.0.1:1",
        liveServer: "https://127.0.0.1:1",
    };
    const rows: Row<RemoteSecretOutputs>[] = [
        ["nothing", {}, "none"],
        ["cluster", { cluster: "west-1" }, "replace cluster first"],
        ["clusterId", { clusterId: "c2" }, "replace clusterId first"],
        ["controlPlaneCluster", { controlPlaneCluster: "west-1" }, "replace controlPlaneCluster first"],
        ["namespace", { namespace: "istio-gateways" }, "replace namespace first"],
        ["meshId", { meshId: "mesh2" }, "replace meshId first"],
        ["server", { server: "https://east.example.com:6443" }, "update"],
        ["rotation", { rotation: "2026-12" }, "update"],
        ["kubeconfigs", { kubeconfigs: { "east-1": "new", hosted: "new" } }, "update"],
        ["owner", { owner: "proj/prod" }, "update"],
        ["tokenTimeoutSeconds (how long an update waits)", { tokenTimeoutSeconds: 30 }, "none"],
        ["istiod (how an update waits)", { istiod: { deployment: "istiod", timeoutSeconds: 9 } }, "none"],
        ...everyInput<RemoteSecretOutputs>(),
    ];
    test.each(rows)("%s: %s", async (_name, change, expected) => {
        expect(verdict(await remoteSecretProvider.diff("id", state, apply(state, change)))).toBe(expected);
    });
    test.each<Row<RemoteSecretOutputs>>([
        ["the secret seen with another server", { liveServer: "https://10.0.0.9:6443" }, "update"],
        ["the secret seen gone", { liveServer: null }, "update"],
        ["a state without a rotation (before rotations) and none asked", { rotation: undefined }, "none"],
    ])("%s: %s", async (_name, change, expected) => {
        expect(verdict(await remoteSecretProvider.diff("id", apply(state, change), inputs))).toBe(expected);
    });
});

describe("Interconnect", () => {
    const members = [
        { networkName: "east", addresses: ["192.0.2.1"] },
        { networkName: "west", addresses: ["192.0.2.2"] },
    ];
    let state: InterconnectOutputs;
    // A real state: the diff reads the control plane's ledger, which the create wrote.
    beforeEach(async () => (state = (await interconnectProvider.create(interconnectInputs(members))).outs as InterconnectOutputs));

    const rows: Row<InterconnectOutputs>[] = [
        ["nothing", {}, "none"],
        ["controlPlaneCluster", { controlPlaneCluster: "east-1" }, "replace controlPlaneCluster first"],
        ["namespace", { namespace: "istio-gateways" }, "replace namespace first"],
        ["meshId", { meshId: "mesh2" }, "replace meshId first"],
        ["a member less", { members: members.slice(0, 1), networks: ["east"] }, "update"],
        ["a gateway address", { members: [members[0], { ...members[1], addresses: ["192.0.2.9"] }] }, "update"],
        ["the mesh ConfigMap (the entries move)", { configMap: "istio-canary" }, "update"],
        ["controlPlaneRestart", { controlPlaneRestart: "never" }, "update"],
        ["deployment", { deployment: "istiod-canary" }, "update"],
        ["kubeconfigs", { kubeconfigs: { hosted: "new" } }, "update"],
        ["owner", { owner: "proj/prod" }, "update"],
        ["networks alone (named by no diff before diffs compared every input)", { networks: ["east"] }, "update"],
        ["istiod (how an update waits)", { istiod: { deployment: "istiod", timeoutSeconds: 9 } }, "none"],
        ...everyInput<InterconnectOutputs>(),
        // In a preview a gateway being updated has an unknown address; its Service keeps the one it has.
        ["a member's address unknown in a preview", { members: [members[0], { ...members[1], addresses: [unknown] }] }, "none"],
    ];
    test.each(rows)("%s: %s", async (_name, change, expected) => {
        expect(verdict(await interconnectProvider.diff("id", state, apply(state, change)))).toBe(expected);
    });
    test.each<Row<InterconnectOutputs>>([
        ["its entries seen changed", (o) => ({ ...o, liveMeshNetworks: "networks: {}\n" }), "update"],
        ["a restart seen owed by the last read", { owedRestart: true }, "update"],
    ])("%s: %s", async (_name, change, expected) => {
        expect(verdict(await interconnectProvider.diff("id", apply(state, change), interconnectInputs(members)))).toBe(expected);
    });
    test("with kubeconfigs unknown (a preview), the control plane is not read", async () => {
        const mesh = fakeMesh();
        mesh.hosted.unreachable = true; // a read would fail
        expect(verdict(await interconnectProvider.diff("id", state, { ...interconnectInputs(members), kubeconfigs: unknown as any }))).toBe(
            "update",
        );
    });
});
