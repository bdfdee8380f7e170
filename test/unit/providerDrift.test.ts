// Drift: a change by hand (kubectl) to what a provider wrote shows in its read, makes the diff an update, and the
// update takes it back; after it, the read is clean and the diff says no change. One case per kind of drift the
// providers record: gateway objects, a namespace's network label, a group's meshNetworks entry, the interconnect's
// entries, a remote secret's server, the Gateway Rule.
import * as YAML from "yaml";
import { eastWestGatewayProvider, EastWestGatewayOutputs } from "../../provider/resources/eastWestGateway";
import { gatewayRuleProvider, GatewayRuleOutputs } from "../../provider/resources/gatewayRule";
import { interconnectProvider, InterconnectOutputs } from "../../provider/resources/interconnect";
import { networkGroupProvider, NetworkGroupOutputs } from "../../provider/resources/networkGroup";
import { remoteSecretProvider, RemoteSecretOutputs } from "../../provider/resources/remoteSecret";
import { labels } from "../../core/names";
import { FakeCluster } from "../helpers/fakeCluster";
import {
    fakeMesh,
    gatewayInputs,
    gatewayRuleInputs,
    groupInputs,
    interconnectInputs,
    Mesh,
    ns,
    ourManager,
    remoteSecretInputs,
} from "../helpers/meshFixture";

let mesh: Mesh;
beforeEach(() => (mesh = fakeMesh()));

/** A provider as the engine drives it: its read, diff and update of one resource. */
interface Driven<O> {
    read(id: string, props: O): Promise<{ props?: O }>;
    diff(id: string, olds: O, news: any): Promise<{ changes?: boolean; replaces?: string[] }>;
    update(id: string, olds: O, news: any): Promise<{ outs?: O }>;
}

/** Reads, diffs and updates as `pulumi up --refresh` does; returns what the read saw and what the diff said. */
async function refreshAndUp<O>(p: Driven<O>, state: O, inputs: object) {
    const read = (await p.read("id", state)).props!;
    const diff = await p.diff("id", read, inputs);
    const outs = diff.changes ? (await p.update("id", read, inputs)).outs! : read;
    const again = (await p.read("id", outs)).props!;
    return { read, diff, again, rediff: await p.diff("id", again, inputs) };
}

const meshNetworksOf = (c: FakeCluster) => YAML.parse(c.peek("ConfigMap", "istio", ns)!.data!.meshNetworks ?? "") ?? {};

test("gateway objects changed or deleted by hand are drift, taken back by the update", async () => {
    const inputs = gatewayInputs("east-1", "east");
    const state = (await eastWestGatewayProvider.create(inputs)).outs as EastWestGatewayOutputs;
    expect((await eastWestGatewayProvider.diff("id", (await eastWestGatewayProvider.read("id", state)).props!, inputs)).changes).toBe(
        false,
    );

    mesh.east.edit("Deployment", "istio-eastwestgateway", ns, { spec: { replicas: 3 } });
    mesh.east.drop("ServiceAccount", "istio-eastwestgateway-service-account", ns);
    const r = await refreshAndUp(eastWestGatewayProvider, state, inputs);
    expect(r.read.drift).toEqual(["ServiceAccount istio-eastwestgateway-service-account", "Deployment istio-eastwestgateway"]);
    expect(r.diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(mesh.east.peek("Deployment", "istio-eastwestgateway", ns)!.spec.replicas).toBe(1);
    expect(mesh.east.fieldsOf("Deployment", "istio-eastwestgateway", ns, "kubectl-edit")).toEqual([]);
    expect(mesh.east.peek("ServiceAccount", "istio-eastwestgateway-service-account", ns)).toBeDefined();
    expect([r.again.drift, r.rediff.changes]).toEqual([[], false]);
});

test("a gateway whose load balancer changed its address is read with the new one (the interconnect follows it)", async () => {
    const inputs = gatewayInputs("east-1", "east");
    const state = (await eastWestGatewayProvider.create(inputs)).outs as EastWestGatewayOutputs;
    expect(state.address).toBe("192.0.2.1");
    mesh.east.edit(
        "Service",
        "istio-eastwestgateway",
        ns,
        { status: { loadBalancer: { ingress: [{ ip: "192.0.2.77" }] } } },
        "cloud-controller",
    );
    const read = (await eastWestGatewayProvider.read("id", state)).props!;
    expect([read.address, read.drift]).toEqual(["192.0.2.77", []]);
});

test("a namespace's network label changed by hand is drift, taken back by the update", async () => {
    const inputs = groupInputs("east", ["hosted", "east-1"]);
    const state = (await networkGroupProvider.create(inputs)).outs as NetworkGroupOutputs;
    mesh.east.edit("Namespace", ns, undefined, { metadata: { labels: { [labels.network]: "other" } } }, "kubectl-label");
    const r = await refreshAndUp(networkGroupProvider, state, inputs);
    expect(r.read.live).toEqual({ hosted: "east", "east-1": "other" });
    expect(r.diff).toEqual({ changes: true, replaces: [] });
    expect(mesh.east.peek("Namespace", ns)!.metadata.labels![labels.network]).toBe("east");
    expect(mesh.east.fieldsOf("Namespace", ns, undefined, ourManager)).toContain(`.metadata.labels.${labels.network}`);
    expect([r.again.live, r.rediff.changes]).toEqual([{ hosted: "east", "east-1": "east" }, false]);
});

test("a namespace label removed by hand is drift too", async () => {
    const inputs = groupInputs("east", ["east-1"]);
    const state = (await networkGroupProvider.create(inputs)).outs as NetworkGroupOutputs;
    mesh.east.edit("Namespace", ns, undefined, { metadata: { labels: { [labels.network]: null } } }, "kubectl-label");
    const r = await refreshAndUp(networkGroupProvider, state, inputs);
    expect([r.read.live, r.diff.changes]).toEqual([{ "east-1": null }, true]);
    expect([r.again.live, r.rediff.changes]).toEqual([{ "east-1": "east" }, false]);
});

test("a group's meshNetworks entry gone is drift; the update writes it again behind the discard address", async () => {
    const inputs = groupInputs("east", ["east-1"]);
    const state = (await networkGroupProvider.create(inputs)).outs as NetworkGroupOutputs;
    expect(meshNetworksOf(mesh.hosted).networks.east).toEqual({ gateways: [{ address: "100::", port: 15443 }] });
    mesh.hosted.edit("ConfigMap", "istio", ns, { data: { meshNetworks: "networks: {}\n" } });
    const r = await refreshAndUp(networkGroupProvider, state, inputs);
    expect([r.read.liveEntry, r.diff.changes]).toEqual([false, true]);
    expect(meshNetworksOf(mesh.hosted).networks.east).toEqual({ gateways: [{ address: "100::", port: 15443 }] });
    expect([r.again.liveEntry, r.rediff.changes]).toEqual([true, false]);
});

test("the interconnect's entries changed by hand are drift; the update writes its gateways again", async () => {
    await networkGroupProvider.create(groupInputs("east", ["east-1"]));
    const inputs = interconnectInputs([{ networkName: "east", addresses: ["192.0.2.1"] }]);
    const state = (await interconnectProvider.create(inputs)).outs as InterconnectOutputs;
    mesh.hosted.edit("ConfigMap", "istio", ns, {
        data: { meshNetworks: "networks:\n  east:\n    gateways:\n      - address: 198.51.100.9\n        port: 15443\n" },
    });
    const r = await refreshAndUp(interconnectProvider, state, inputs);
    expect(r.read.liveMeshNetworks).not.toBe(r.read.meshNetworks);
    expect(r.diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(meshNetworksOf(mesh.hosted).networks.east).toEqual({ gateways: [{ address: "192.0.2.1", port: 15443 }] });
    expect(r.rediff.changes).toBe(false);
    // Drift is not a membership change: the control plane restarted once, when the network joined.
    expect(r.again.controlPlaneRestarts).toBe(1);
});

test("a remote secret whose server was changed by hand is drift; the update writes ours again", async () => {
    const inputs = remoteSecretInputs("east-1");
    const state = (await remoteSecretProvider.create(inputs)).outs as RemoteSecretOutputs;
    expect(state.wroteServer).toBe("https://127.0.0.1:1");
    const secret = mesh.hosted.peek("Secret", "istio-remote-secret-east-1", ns)!;
    const kubeconfig = Buffer.from(secret.data["east-1"], "base64").toString().replace("https://127.0.0.1:1", "https://10.0.0.9:6443");
    mesh.hosted.edit("Secret", "istio-remote-secret-east-1", ns, { data: { "east-1": Buffer.from(kubeconfig).toString("base64") } });
    const r = await refreshAndUp(remoteSecretProvider, state, inputs);
    expect([r.read.liveServer, r.read.wroteServer]).toEqual(["https://10.0.0.9:6443", "https://127.0.0.1:1"]);
    expect(r.diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(Buffer.from(mesh.hosted.peek("Secret", "istio-remote-secret-east-1", ns)!.data["east-1"], "base64").toString()).toContain(
        "server: https://127.0.0.1:1",
    );
    expect([r.again.liveServer, r.rediff.changes]).toEqual(["https://127.0.0.1:1", false]);
});

test("a remote secret deleted by hand, or taken over by another owner, reads as no server of ours: drift", async () => {
    const inputs = remoteSecretInputs("east-1");
    const state = (await remoteSecretProvider.create(inputs)).outs as RemoteSecretOutputs;
    mesh.hosted.drop("Secret", "istio-remote-secret-east-1", ns);
    const r = await refreshAndUp(remoteSecretProvider, state, inputs);
    expect([r.read.liveServer, r.diff.changes]).toEqual([null, true]);
    expect([r.again.liveServer, r.rediff.changes]).toEqual(["https://127.0.0.1:1", false]);
});

test("the Gateway Rule deleted or changed by hand is drift, written again by the update", async () => {
    const inputs = gatewayRuleInputs();
    const state = (await gatewayRuleProvider.create(inputs)).outs as GatewayRuleOutputs;
    mesh.hosted.drop("Gateway", "cross-network-gateway", ns);
    let r = await refreshAndUp(gatewayRuleProvider, state, inputs);
    expect([r.read.liveSpec, r.diff.changes]).toEqual([null, true]);
    expect([r.rediff.changes, mesh.hosted.peek("Gateway", "cross-network-gateway", ns)!.spec]).toEqual([false, state.liveSpec]);

    mesh.hosted.edit("Gateway", "cross-network-gateway", ns, { spec: { selector: { istio: "ingressgateway" } } });
    r = await refreshAndUp(gatewayRuleProvider, r.again, inputs);
    expect([r.diff.changes, r.rediff.changes]).toEqual([true, false]);
    expect(mesh.hosted.peek("Gateway", "cross-network-gateway", ns)!.spec.selector).toEqual({ istio: "eastwestgateway" });
});
