// Control-plane restarts: decided by core/changes.planRestart against the ledger on the mesh ConfigMap (not the
// stack's state), recorded there before they are done and cleared after, so that an update interrupted anywhere and
// run again restarts istiod exactly once. The preview reads the same record (provider/preview.ts). Also the waits
// for istiod that an `istiod` input asks for. Run against fake clusters.
import { interconnectProvider, InterconnectInputs, InterconnectOutputs } from "../../provider/resources/interconnect";
import { networkGroupProvider } from "../../provider/resources/networkGroup";
import { remoteSecretProvider } from "../../provider/resources/remoteSecret";
import { readLedger } from "../../provider/resources/ledger";
import { interconnectOnControlPlane } from "../../provider/preview";
import { planRestart, restartWarning } from "../../core/changes";
import { annotations } from "../../core/names";
import { apiAnswer, fakeIstiod } from "../helpers/fakeCluster";
import { fakeMesh, groupInputs, interconnectInputs, Mesh, ns, ours, owner, meshId, remoteSecretInputs } from "../helpers/meshFixture";

let mesh: Mesh;
beforeEach(() => (mesh = fakeMesh()));

const east = { networkName: "east", addresses: ["192.0.2.1"] };
const west = { networkName: "west", addresses: ["192.0.2.2"] };
const ledger = () => readLedger(mesh.hosted.peek("ConfigMap", "istio", ns)!, ours);
const stamp = (): string | undefined =>
    mesh.hosted.peek("Deployment", "istiod", ns)!.spec.template.metadata.annotations[annotations.restartedAt];
/** How many times istiod's pod template was rolled: each restart is one patch of it. */
const restarts = () => mesh.hosted.writes.filter((w) => w.startsWith("patch Deployment istio-system/istiod")).length;

/** Fails the n-th (1-based) write that `matches`, with the API server's 503. */
function failWrite(n: number, matches: (kind?: string) => boolean) {
    let seen = 0;
    mesh.hosted.before = (call) => {
        if ((call.verb === "patch" || call.verb === "apply") && matches(call.kind) && ++seen === n)
            throw apiAnswer(503, "the server is currently unable to handle the request");
    };
}

/** The preview's word on an update that leaves `networks` joined, from the same reads as the provider's. */
async function previewOf(networks: string[]): Promise<string | undefined> {
    const state = await interconnectOnControlPlane(
        { name: "hosted", kubeconfig: "kubeconfig of hosted" },
        { namespace: ns, configMap: "istio", deployment: "istiod" },
        { owner, meshId },
    );
    return restartWarning(planRestart(state, networks, "onMembershipChange"), "istiod", ns, "hosted");
}

test("networks joining restart istiod once; the restart is cleared from the ledger once done", async () => {
    expect(await previewOf(["east", "west"])).toContain(`network(s) "east", "west" join the interconnect`);
    const { outs } = await interconnectProvider.create(interconnectInputs([east, west]));
    expect([outs.controlPlaneRestarts, restarts()]).toEqual([1, 1]);
    expect(stamp()).toBeDefined();
    expect(ledger()).toMatchObject({ joined: { east: ["192.0.2.1"], west: ["192.0.2.2"] } });
    expect(ledger()!.restart).toBeUndefined();
    expect(await previewOf(["east", "west"])).toBeUndefined();
});

test("a gateway address change is hot-reloaded: an update without a restart", async () => {
    const state = (await interconnectProvider.create(interconnectInputs([east, west]))).outs as InterconnectOutputs;
    const moved = interconnectInputs([east, { ...west, addresses: ["192.0.2.9"] }]);
    expect(await interconnectProvider.diff("id", state, moved)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs } = await interconnectProvider.update("id", state, moved);
    expect([outs!.controlPlaneRestarts, restarts()]).toEqual([1, 1]);
    expect(ledger()!.joined.west).toEqual(["192.0.2.9"]);
});

test('a network leaving restarts once more; under "never" nothing restarts', async () => {
    const state = (await interconnectProvider.create(interconnectInputs([east, west]))).outs as InterconnectOutputs;
    const left = (await interconnectProvider.update("id", state, interconnectInputs([east]))).outs!;
    expect([left.controlPlaneRestarts, restarts()]).toEqual([2, 2]);
    const never = interconnectInputs([east, west], { controlPlaneRestart: "never" });
    const rejoined = (await interconnectProvider.update("id", left, never)).outs!;
    expect([rejoined.controlPlaneRestarts, restarts()]).toEqual([2, 2]);
    await interconnectProvider.delete("id", rejoined);
    expect(restarts()).toBe(2);
});

test("the last networks leaving on delete restart once, and the groups' entries go back behind the discard address", async () => {
    await networkGroupProvider.create(groupInputs("east", ["hosted"]));
    const state = (await interconnectProvider.create(interconnectInputs([east]))).outs as InterconnectOutputs;
    await interconnectProvider.delete("id", state);
    expect(restarts()).toBe(2);
    expect(ledger()).toMatchObject({ groups: ["east"], joined: {} });
    expect(mesh.hosted.peek("ConfigMap", "istio", ns)!.data!.meshNetworks).toContain('address: "100::"');
});

describe("a restart recorded but not done (an update interrupted) is owed, and done exactly once", () => {
    let state: InterconnectOutputs;
    let inputs: InterconnectInputs;
    beforeEach(async () => {
        state = (await interconnectProvider.create(interconnectInputs([east]))).outs as InterconnectOutputs;
        inputs = interconnectInputs([east, west]);
    });

    test("interrupted before the restart: the next update does it under the recorded stamp", async () => {
        failWrite(1, (kind) => kind === "Deployment");
        await expect(interconnectProvider.update("id", state, inputs)).rejects.toThrow("failed (503)");
        const owed = ledger()!.restart!;
        expect(owed).toBeDefined();
        expect([restarts(), ledger()!.joined]).toEqual([1, { east: ["192.0.2.1"], west: ["192.0.2.2"] }]);
        // The engine kept the old state. Its read and diff see the owed restart, as the preview does, even with the
        // same inputs as that state's.
        const read = (await interconnectProvider.read("id", state)).props!;
        expect(read.owedRestart).toBe(true);
        expect((await interconnectProvider.diff("id", state, interconnectInputs([east]))).changes).toBe(true);
        expect(await previewOf(["east", "west"])).toContain("an earlier update was interrupted before the restart it recorded");
        mesh.hosted.before = undefined;
        const { outs } = await interconnectProvider.update("id", read, inputs);
        expect([stamp(), restarts(), outs!.controlPlaneRestarts, ledger()!.restart]).toEqual([owed, 2, 2, undefined]);
        // Done: nothing more is owed, and the next update restarts nothing.
        expect((await interconnectProvider.read("id", outs!)).props!.owedRestart).toBe(false);
        expect((await interconnectProvider.diff("id", outs!, inputs)).changes).toBe(false);
        expect(await previewOf(["east", "west"])).toBeUndefined();
    });

    test("interrupted after the restart, before the ledger was cleared: the next update does not restart again", async () => {
        // The writes of a join: the ledger with the restart, istiod's patch, the ledger cleared.
        failWrite(2, (kind) => kind === "ConfigMap");
        await expect(interconnectProvider.update("id", state, inputs)).rejects.toThrow("failed (503)");
        expect(ledger()!.restart).toBe(stamp());
        expect(restarts()).toBe(2);
        expect((await interconnectProvider.read("id", state)).props!.owedRestart).toBe(false);
        expect(await previewOf(["east", "west"])).toBeUndefined();
        mesh.hosted.before = undefined;
        const { outs } = await interconnectProvider.update("id", state, inputs);
        expect([restarts(), ledger()!.restart, outs!.controlPlaneRestarts]).toEqual([2, undefined, 1]);
    });

    test('under "never" an owed restart is dropped: the user chose hot reload', async () => {
        failWrite(1, (kind) => kind === "Deployment");
        await expect(interconnectProvider.update("id", state, inputs)).rejects.toThrow("failed (503)");
        mesh.hosted.before = undefined;
        const { outs } = await interconnectProvider.update("id", state, { ...inputs, controlPlaneRestart: "never" });
        expect([restarts(), ledger()!.restart, outs!.controlPlaneRestarts]).toEqual([1, undefined, 1]);
    });
});

describe("waits for istiod (an `istiod` input; without one nothing waits)", () => {
    const wait = (timeoutSeconds: number) => ({ istiod: { deployment: "istiod", timeoutSeconds } });

    test("the interconnect waits for the restart's rollout and for istiod's gateway table to show it", async () => {
        const istiod = fakeIstiod(mesh.hosted);
        const { outs } = await interconnectProvider.create(interconnectInputs([east, west], wait(5)));
        expect(outs.controlPlaneRestarts).toBe(1);
        expect(istiod.asked).toContain("/debug/networkz");
    });

    test("a restart that does not roll out fails the update after the wait's timeout, as kubectl rollout status judges it", async () => {
        mesh.hosted.rollsOut = false;
        await expect(interconnectProvider.create(interconnectInputs([east], wait(1)))).rejects.toThrow(
            `cluster "hosted": Deployment istio-system/istiod did not roll out its restart within 1 s (1 of 1 updated, 1 available); check istiod (kubectl -n istio-system rollout status deployment istiod)`,
        );
    });

    test("without an istiod input nothing reads istiod", async () => {
        const istiod = fakeIstiod(mesh.hosted);
        mesh.hosted.rollsOut = false;
        await interconnectProvider.create(interconnectInputs([east]));
        await remoteSecretProvider.create(remoteSecretInputs("east-1"));
        expect(istiod.asked).toEqual([]);
    });

    test("an istiod that never shows the gateways fails the update after the wait's timeout, saying what it showed", async () => {
        const istiod = fakeIstiod(mesh.hosted);
        istiod.frozen = true; // it never reloads meshNetworks
        await expect(interconnectProvider.create(interconnectInputs([east], wait(1)))).rejects.toThrow(
            `istiod did not show the interconnect's gateways within 1 s: istiod has no gateway 192.0.2.1:15443 for network "east", which the interconnect publishes; ` +
                `wait for istiod to reload meshNetworks (check --wait 30), or run pulumi up if meshNetworks was edited.`,
        );
        // The failed create took its networks back out of meshNetworks, without a second restart.
        expect(ledger()).toBeUndefined();
        expect(restarts()).toBe(1);
    });

    test("an istiod that cannot be reached is named with what to do", async () => {
        mesh.hosted.drop("Pod", "istiod-5d8f7c-abcde", ns);
        await expect(interconnectProvider.create(interconnectInputs([east], wait(1)))).rejects.toThrow(
            `istiod did not show the interconnect's gateways within 1 s: no Running and Ready pod of Deployment istio-system/istiod on cluster "hosted"; check istiod`,
        );
    });

    test("a remote secret waits until istiod reports its cluster synced", async () => {
        fakeIstiod(mesh.hosted);
        const { outs } = await remoteSecretProvider.create(remoteSecretInputs("east-1", wait(5)));
        expect(outs.liveServer).toBe("https://127.0.0.1:1");
    });

    test("a remote secret istiod does not register fails after the wait, naming what istiod lacks", async () => {
        const istiod = fakeIstiod(mesh.hosted);
        istiod.frozen = true;
        await expect(remoteSecretProvider.create(remoteSecretInputs("east-1", wait(1)))).rejects.toThrow(
            `istiod did not show cluster "east-1" synced within 1 s: istiod has not registered cluster "east-1"`,
        );
        // The failed create took back what it wrote, on both clusters.
        expect(mesh.hosted.inventory().filter((o) => o.includes("remote-secret"))).toEqual([]);
        expect(mesh.east.inventory().filter((o) => o.includes("reader"))).toEqual([]);
    });
});
