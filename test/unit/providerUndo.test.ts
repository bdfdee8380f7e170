// A create that fails takes back what it wrote before it rethrows (createOrUndo): the engine records no resource
// for it, so anything left would outlive the stack. And deletes on a cluster that cannot be reached: named with the
// opt-in that lets a cluster gone for good go (PULUMI_MULTINET_DELETE_UNREACHABLE), skipped and said under it, while
// every reachable cluster is still cleaned. Run against fake clusters.
import { eastWestGatewayProvider, EastWestGatewayOutputs } from "../../provider/resources/eastWestGateway";
import { gatewayRuleProvider, GatewayRuleOutputs } from "../../provider/resources/gatewayRule";
import { interconnectProvider } from "../../provider/resources/interconnect";
import { networkGroupProvider, NetworkGroupOutputs } from "../../provider/resources/networkGroup";
import { remoteSecretProvider, RemoteSecretOutputs } from "../../provider/resources/remoteSecret";
import { readLedger } from "../../provider/resources/ledger";
import { ClusterError } from "../../provider/kube";
import { labels } from "../../core/names";
import { apiAnswer } from "../helpers/fakeCluster";
import {
    fakeMesh,
    gatewayInputs,
    gatewayRuleInputs,
    groupInputs,
    interconnectInputs,
    Mesh,
    ns,
    ours,
    remoteSecretInputs,
    said,
} from "../helpers/meshFixture";

let mesh: Mesh;
beforeEach(() => (mesh = fakeMesh()));
const clusters = () => [mesh.hosted, mesh.east, mesh.west];
const inventories = () => clusters().map((c) => c.inventory());

describe("a failed create takes back what it wrote", () => {
    test("a gateway whose load balancer gives no address (within addressTimeoutSeconds)", async () => {
        mesh.east.loadBalancer = undefined;
        const before = inventories();
        await expect(
            eastWestGatewayProvider.create(gatewayInputs("east-1", "east", { addressTimeoutSeconds: 1, replicas: 2 })),
        ).rejects.toThrow(
            `cluster "east-1": Service istio-system/istio-eastwestgateway got no load-balancer address within 1 s (it has none). ` +
                `Check that the cluster has a load-balancer implementation (cloud controller, MetalLB)`,
        );
        // It had written the ServiceAccount, Deployment, Service and PDB.
        expect(mesh.east.writes.filter((w) => w.startsWith("apply"))).toHaveLength(4);
        expect(inventories()).toEqual(before);
    });

    test("a gateway whose load balancer does not give the requested address names both", async () => {
        mesh.east.loadBalancer = () => "192.0.2.200";
        const before = inventories();
        await expect(
            eastWestGatewayProvider.create(gatewayInputs("east-1", "east", { addressTimeoutSeconds: 1, requestedAddress: "192.0.2.50" })),
        ).rejects.toThrow(`got no load-balancer address within 1 s (it has 192.0.2.200, not the requested 192.0.2.50)`);
        expect(inventories()).toEqual(before);
    });

    test("a gateway whose write fails half-way", async () => {
        mesh.east.before = (call) => {
            if (call.verb === "apply" && call.kind === "Service") throw apiAnswer(422, `Service "istio-eastwestgateway" is invalid`);
        };
        const before = inventories();
        await expect(eastWestGatewayProvider.create(gatewayInputs("east-1", "east"))).rejects.toThrow("failed (422)");
        expect(inventories()).toEqual(before);
    });

    test("a group refused on one member releases the members it had labelled and its entry", async () => {
        mesh.west.edit("Namespace", ns, undefined, { metadata: { labels: { [labels.network]: "legacy" } } }, "kubectl-label");
        const cm = mesh.hosted.peek("ConfigMap", "istio", ns)!;
        await expect(networkGroupProvider.create(groupInputs("east", ["hosted", "east-1", "west-1"]))).rejects.toThrow(
            `cluster "west-1": Namespace istio-system has fields held by "kubectl-label"`,
        );
        expect(mesh.hosted.peek("Namespace", ns)!.metadata.labels ?? {}).toEqual({});
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels ?? {}).toEqual({});
        expect(mesh.west.peek("Namespace", ns)!.metadata.labels).toEqual({ [labels.network]: "legacy" });
        const after = mesh.hosted.peek("ConfigMap", "istio", ns)!;
        expect([after.data, after.metadata.annotations]).toEqual([cm.data, cm.metadata.annotations]);
    });

    test("a remote secret whose reader token never comes takes back the reader's objects", async () => {
        mesh.east.tokens = false;
        const before = inventories();
        await expect(remoteSecretProvider.create(remoteSecretInputs("east-1", { tokenTimeoutSeconds: 1 }))).rejects.toThrow(
            `cluster "east-1": Secret istio-system/istio-reader-mesh1-token (a token for ServiceAccount istio-reader-service-account) got no token within 1 s`,
        );
        expect(mesh.east.writes.filter((w) => w.startsWith("apply"))).toHaveLength(4);
        expect(inventories()).toEqual(before);
    });

    test("a remote secret keeps a reader ServiceAccount Istio's installer made", async () => {
        mesh.east.seed({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "istio-reader-service-account", namespace: ns } });
        mesh.east.tokens = false;
        const before = inventories();
        await expect(remoteSecretProvider.create(remoteSecretInputs("east-1", { tokenTimeoutSeconds: 1 }))).rejects.toThrow("got no token");
        expect(inventories()).toEqual(before);
    });

    test("an interconnect whose restart fails takes its networks back out of meshNetworks", async () => {
        mesh.hosted.before = (call) => {
            if (call.verb === "patch" && call.kind === "Deployment") throw apiAnswer(403, "deployments.apps is forbidden");
        };
        const cm = mesh.hosted.peek("ConfigMap", "istio", ns)!;
        await expect(interconnectProvider.create(interconnectInputs([{ networkName: "east", addresses: ["192.0.2.1"] }]))).rejects.toThrow(
            `cluster "hosted": the kubeconfig's user lacks permission to patch Deployment in namespace istio-system (403: deployments.apps is forbidden)`,
        );
        const after = mesh.hosted.peek("ConfigMap", "istio", ns)!;
        expect([after.data, after.metadata.annotations]).toEqual([cm.data, cm.metadata.annotations]);
        expect(readLedger(after, ours)).toBeUndefined();
    });

    test("what cannot be taken back is said, and the create's own error is the one raised", async () => {
        mesh.east.loadBalancer = undefined;
        mesh.east.before = (call) => {
            if (call.verb === "delete") throw apiAnswer(500, "etcdserver: leader changed");
        };
        await expect(eastWestGatewayProvider.create(gatewayInputs("east-1", "east", { addressTimeoutSeconds: 1 }))).rejects.toThrow(
            "got no load-balancer address within 1 s",
        );
        expect(said).toEqual([expect.stringContaining("could not take back what a failed create wrote: ")]);
        expect(said[0]).toContain("failed (500): etcdserver: leader changed");
    });
});

describe("deletes on a cluster that cannot be reached (deleting, PULUMI_MULTINET_DELETE_UNREACHABLE)", () => {
    const variable = "PULUMI_MULTINET_DELETE_UNREACHABLE";
    afterEach(() => delete process.env[variable]);

    test("without the opt-in the delete fails, naming the cluster, what it would skip and the opt-in", async () => {
        const state = (await eastWestGatewayProvider.create(gatewayInputs("east-1", "east"))).outs as EastWestGatewayOutputs;
        mesh.east.unreachable = true;
        const e = await eastWestGatewayProvider.delete("id", state).then(
            () => undefined,
            (x) => x,
        );
        expect(e).toBeInstanceOf(ClusterError);
        expect(e.message).toBe(
            `cluster "east-1": cannot reach the API server at https://127.0.0.1:1 to get ConfigMap istio-system/multinet-hub-mesh1 ` +
                `(request to https://127.0.0.1:1 failed, reason: connect ECONNREFUSED); check that the cluster is up and the kubeconfig is current. ` +
                `If the cluster is gone for good, let it go: run again with ${variable}=true, which skips what was on it ` +
                `(the east-west gateway (istio-eastwestgateway in istio-system)) and still cleans every reachable cluster`,
        );
    });

    test("any other value than true is not the opt-in", async () => {
        const state = (await eastWestGatewayProvider.create(gatewayInputs("east-1", "east"))).outs as EastWestGatewayOutputs;
        mesh.east.unreachable = true;
        process.env[variable] = "1";
        await expect(eastWestGatewayProvider.delete("id", state)).rejects.toThrow(`run again with ${variable}=true`);
    });

    test("with the opt-in a gateway on a cluster gone for good is skipped and said", async () => {
        const state = (await eastWestGatewayProvider.create(gatewayInputs("east-1", "east"))).outs as EastWestGatewayOutputs;
        mesh.east.unreachable = true;
        process.env[variable] = "true";
        await eastWestGatewayProvider.delete("id", state);
        expect(said).toEqual([
            `warning: cluster "east-1" cannot be reached; skipped deleting the east-west gateway (istio-eastwestgateway in istio-system) there (${variable}=true)`,
        ]);
    });

    test("with the opt-in a group still releases its reachable members and its entry", async () => {
        const state = (await networkGroupProvider.create(groupInputs("east", ["hosted", "east-1", "west-1"]))).outs as NetworkGroupOutputs;
        mesh.west.unreachable = true;
        await expect(networkGroupProvider.delete("id", state)).rejects.toThrow(`cluster "west-1": cannot reach the API server`);
        process.env[variable] = "true";
        await networkGroupProvider.delete("id", state);
        for (const c of [mesh.hosted, mesh.east]) expect(c.peek("Namespace", ns)!.metadata.labels ?? {}).toEqual({});
        expect(readLedger(mesh.hosted.peek("ConfigMap", "istio", ns)!, ours)).toBeUndefined();
        expect(said).toEqual([
            `warning: cluster "west-1" cannot be reached; skipped deleting the network labels of group "east" on namespace istio-system there (${variable}=true)`,
        ]);
    });

    test("with the opt-in a remote secret goes from the control plane while its cluster's reader is skipped", async () => {
        const state = (await remoteSecretProvider.create(remoteSecretInputs("east-1"))).outs as RemoteSecretOutputs;
        mesh.east.unreachable = true;
        process.env[variable] = "true";
        await remoteSecretProvider.delete("id", state);
        expect(mesh.hosted.peek("Secret", "istio-remote-secret-east-1", ns)).toBeUndefined();
        expect(said).toEqual([
            `warning: cluster "east-1" cannot be reached; skipped deleting the reader access of mesh "mesh1" (its ServiceAccount, ClusterRole, binding and token) there (${variable}=true)`,
        ]);
    });

    test("with the opt-in disabling searches only the reachable clusters for groups", async () => {
        const state = (await gatewayRuleProvider.create(gatewayRuleInputs())).outs as GatewayRuleOutputs;
        mesh.west.unreachable = true;
        await expect(gatewayRuleProvider.delete("id", state)).rejects.toThrow(`run again with ${variable}=true`);
        process.env[variable] = "true";
        await gatewayRuleProvider.delete("id", state);
        expect(mesh.hosted.peek("Gateway", "cross-network-gateway", ns)).toBeUndefined();
    });

    test("the opt-in skips only an unreachable cluster: a refusal still fails the delete", async () => {
        const state = (await eastWestGatewayProvider.create(gatewayInputs("east-1", "east"))).outs as EastWestGatewayOutputs;
        mesh.east.before = (call) => {
            if (call.verb === "delete") throw apiAnswer(403, "forbidden");
        };
        process.env[variable] = "true";
        await expect(eastWestGatewayProvider.delete("id", state)).rejects.toThrow(
            `cluster "east-1": the kubeconfig's user lacks permission to delete Service in namespace istio-system (403: forbidden)`,
        );
        expect(said).toEqual([]);
    });

    test("an update on an unreachable cluster fails as it is: the opt-in is for deletes", async () => {
        const state = (await eastWestGatewayProvider.create(gatewayInputs("east-1", "east"))).outs as EastWestGatewayOutputs;
        mesh.east.unreachable = true;
        process.env[variable] = "true";
        const e = eastWestGatewayProvider.update("id", state, gatewayInputs("east-1", "east", { replicas: 2 }));
        await expect(e).rejects.toThrow(`cluster "east-1": cannot reach the API server at https://127.0.0.1:1 to get Service`);
        await expect(e).rejects.not.toThrow(variable);
    });
});
