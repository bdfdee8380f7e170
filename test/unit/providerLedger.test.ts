// The ledger on the mesh ConfigMap: one annotation per stack and mesh, written with the meshNetworks text in one
// merge patch guarded by the ConfigMap's resourceVersion. What other stacks and hands wrote passes through; an entry
// someone else wrote is not taken; a ledger of a release before 0.2 is read; the annotation stays while it records
// the mesh or a restart still to do. Run against fake clusters.
import * as YAML from "yaml";
import { gatewayRuleProvider, GatewayRuleOutputs } from "../../provider/resources/gatewayRule";
import { interconnectProvider, InterconnectOutputs } from "../../provider/resources/interconnect";
import { networkGroupProvider, NetworkGroupOutputs } from "../../provider/resources/networkGroup";
import { allLedgers, readLedger, updateLedger } from "../../provider/resources/ledger";
import { annotations } from "../../core/names";
import { apiAnswer } from "../helpers/fakeCluster";
import {
    fakeMesh,
    gatewayRuleInputs,
    groupInputs,
    interconnectInputs,
    Mesh,
    ns,
    otherOwner,
    ours,
    said,
    theirs,
} from "../helpers/meshFixture";

let mesh: Mesh;
beforeEach(() => (mesh = fakeMesh()));

const configMap = () => mesh.hosted.peek("ConfigMap", "istio", ns)!;
const text = () => configMap().data?.meshNetworks;
const ledgerKeys = () => Object.keys(configMap().metadata.annotations ?? {}).filter((k) => k.startsWith("multinet.pulumi.io/"));
const setText = (t: string) => mesh.hosted.edit("ConfigMap", "istio", ns, { data: { meshNetworks: t } });

const handWritten = `# edited by hand
networks:
  legacy: # a network another tool keeps
    gateways:
      - address: 198.51.100.1
        port: 15443
`;

describe("stacks share the ConfigMap", () => {
    test("each stack writes its own ledger and entries; another's, and entries by hand with their comments, pass through", async () => {
        setText(handWritten);
        const east = (await networkGroupProvider.create(groupInputs("east", ["east-1"]))).outs as NetworkGroupOutputs;
        const west = (await networkGroupProvider.create(groupInputs("west", ["west-1"], { owner: otherOwner })))
            .outs as NetworkGroupOutputs;
        expect(text()).toContain("# edited by hand");
        expect(text()).toContain("# a network another tool keeps");
        expect(text()).toContain("address: 198.51.100.1");
        expect(ledgerKeys()).toHaveLength(2);
        expect(
            allLedgers(configMap())
                .map((l) => [l.owner, l.groups])
                .sort(),
        ).toEqual([
            [ours, ["east"]],
            [theirs, ["west"]],
        ]);
        await networkGroupProvider.delete("id", east);
        expect(allLedgers(configMap()).map((l) => l.owner)).toEqual([theirs]);
        expect(text()).toContain("west:");
        expect(text()).not.toContain("east:");
        // When the last stack leaves, what was there before is back, its comments included. (Byte for byte only when the
        // stacks leave in the reverse order they came: each gives back the text it found; see the next test.)
        await networkGroupProvider.delete("id", west);
        expect([YAML.parse(text()!), ledgerKeys()]).toEqual([YAML.parse(handWritten), []]);
        expect(text()).toContain("# edited by hand");
        expect(text()).toContain("# a network another tool keeps");
    });

    test("a stack that leaves gives back the text it found byte for byte", async () => {
        setText(handWritten);
        const west = (await networkGroupProvider.create(groupInputs("west", ["west-1"], { owner: otherOwner })))
            .outs as NetworkGroupOutputs;
        const east = (await networkGroupProvider.create(groupInputs("east", ["east-1"]))).outs as NetworkGroupOutputs;
        await networkGroupProvider.delete("id", east);
        await networkGroupProvider.delete("id", west);
        expect([text(), ledgerKeys()]).toEqual([handWritten, []]);
    });

    test("a ConfigMap without meshNetworks gets the key back removed when the last network leaves", async () => {
        const east = (await networkGroupProvider.create(groupInputs("east", ["east-1"]))).outs as NetworkGroupOutputs;
        expect(text()).toContain("east:");
        await networkGroupProvider.delete("id", east);
        expect(configMap().data).not.toHaveProperty("meshNetworks");
    });

    test("a write racing another stack's is retried on the fresh ConfigMap (the resourceVersion precondition)", async () => {
        let raced = 0;
        mesh.hosted.before = (call) => {
            if (call.verb === "patch" && call.kind === "ConfigMap" && raced++ === 0)
                mesh.hosted.edit("ConfigMap", "istio", ns, { metadata: { annotations: { "example.com/racer": "1" } } }, "racer");
        };
        await networkGroupProvider.create(groupInputs("east", ["east-1"]));
        expect(raced).toBe(2);
        expect(configMap().metadata.annotations).toHaveProperty(["example.com/racer"], "1");
        expect(readLedger(configMap(), ours)?.groups).toEqual(["east"]);
    });

    test("a ConfigMap that keeps changing under the write fails it after five tries, naming the conflict", async () => {
        let patches = 0;
        mesh.hosted.before = (call) => {
            if (call.verb === "patch" && call.kind === "ConfigMap") {
                patches++;
                mesh.hosted.edit(
                    "ConfigMap",
                    "istio",
                    ns,
                    { metadata: { annotations: { "example.com/racer": String(patches) } } },
                    "racer",
                );
            }
        };
        await expect(updateLedger({ ...groupInputs("east", ["east-1"]) }, (l) => ({ ...l, groups: ["east"] }))).rejects.toThrow(
            `cluster "hosted": patch ConfigMap istio-system/istio failed (409): Operation cannot be fulfilled on configmaps "istio": the object has been modified`,
        );
        expect(patches).toBe(5);
    });

    test("another failure of the write is not retried", async () => {
        let patches = 0;
        mesh.hosted.before = (call) => {
            if (call.verb === "patch" && call.kind === "ConfigMap" && ++patches) throw apiAnswer(500, "etcdserver: request timed out");
        };
        await expect(updateLedger(groupInputs("east", ["east-1"]), (l) => l)).rejects.toThrow(
            "failed (500): etcdserver: request timed out",
        );
        expect(patches).toBe(1);
    });
});

describe("an entry someone else wrote is not taken (entryClash)", () => {
    test("an entry written by hand: the preview names it, the write refuses it and takes back its labels", async () => {
        setText(handWritten.replace("legacy", "east"));
        const inputs = groupInputs("east", ["east-1"]);
        const message =
            `meshNetworks in ConfigMap istio-system/istio already has an entry for network "east" (not by pulumi-multinet); it is not overwritten. ` +
            `Give the NetworkGroup another networkName, or remove that entry (kubectl -n istio-system edit configmap istio) if nothing uses it`;
        const { failures } = await networkGroupProvider.check(undefined, inputs);
        expect(failures).toEqual([{ property: "clusters", reason: `NetworkGroup "east": ${message}` }]);
        await expect(networkGroupProvider.create(inputs)).rejects.toThrow(`cluster "hosted": ${message}`);
        expect(text()).toBe(handWritten.replace("legacy", "east"));
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels ?? {}).toEqual({});
        expect(ledgerKeys()).toEqual([]);
    });

    test("an entry of another stack is named with its owner", async () => {
        await networkGroupProvider.create(groupInputs("east", ["west-1"], { owner: otherOwner }));
        await expect(networkGroupProvider.create(groupInputs("east", ["east-1"]))).rejects.toThrow(
            `already has an entry for network "east" (by another stack or mesh, "${theirs}"); it is not overwritten.`,
        );
        expect(readLedger(configMap(), ours)).toBeUndefined();
    });

    test("the interconnect refuses to join a network whose entry it does not own", async () => {
        setText(handWritten.replace("legacy", "east"));
        await expect(interconnectProvider.create(interconnectInputs([{ networkName: "east", addresses: ["192.0.2.1"] }]))).rejects.toThrow(
            `already has an entry for network "east" (not by pulumi-multinet)`,
        );
        expect(text()).toBe(handWritten.replace("legacy", "east"));
    });
});

describe("a ledger of a release before 0.2 (one annotation, joined networks only)", () => {
    const legacyKey = "multinet.pulumi.io/mesh-networks";
    const joinedText = "networks:\n  east:\n    gateways:\n      - address: 192.0.2.1\n        port: 15443\n";
    const seedLegacy = (owner: string) => {
        setText(joinedText);
        mesh.hosted.edit(
            "ConfigMap",
            "istio",
            ns,
            {
                metadata: {
                    annotations: {
                        [legacyKey]: JSON.stringify({
                            owner,
                            networks: ["east"],
                            original: null,
                            controlPlaneRestart: "onMembershipChange",
                        }),
                    },
                },
            },
            "pulumi-multinet",
        );
    };

    test("is read as this stack's ledger: its joined networks with their gateways from the text", () => {
        seedLegacy(ours);
        expect(readLedger(configMap(), ours)).toEqual({
            owner: ours,
            groups: [],
            joined: { east: ["192.0.2.1"] },
            controlPlaneRestart: "onMembershipChange",
            original: null,
        });
        expect(readLedger(configMap(), theirs)).toBeUndefined();
        expect(allLedgers(configMap()).map((l) => l.owner)).toEqual([ours]);
    });

    test("an upgraded interconnect finds its network joined (no restart) and replaces the old annotation with its own", async () => {
        seedLegacy(ours);
        // The state 0.1 recorded: members named their network `network`.
        const inputs = interconnectInputs([{ networkName: "east", addresses: ["192.0.2.1"] }]);
        const olds = {
            ...inputs,
            members: [{ network: "east", addresses: ["192.0.2.1"] }],
            meshNetworks: "",
            liveMeshNetworks: "",
            controlPlaneRestarts: 0,
        } as unknown as InterconnectOutputs;
        const { outs } = await interconnectProvider.update("id", olds, inputs);
        expect(outs!.controlPlaneRestarts).toBe(0);
        expect(mesh.hosted.writes.filter((w) => w.includes("Deployment"))).toEqual([]);
        expect(configMap().metadata.annotations).not.toHaveProperty([legacyKey]);
        expect(readLedger(configMap(), ours)?.joined).toEqual({ east: ["192.0.2.1"] });
        expect(ledgerKeys()).toHaveLength(1);
    });

    test("another stack's old annotation stays as it is", async () => {
        seedLegacy(theirs);
        await networkGroupProvider.create(groupInputs("west", ["west-1"]));
        expect(JSON.parse(configMap().metadata.annotations![legacyKey]).owner).toBe(theirs);
    });
});

describe("the ledger stays while it records something", () => {
    test("the mesh's declaration keeps it after the last group goes; disabling removes it", async () => {
        const rule = (await gatewayRuleProvider.create(gatewayRuleInputs())).outs;
        expect(readLedger(configMap(), ours)?.mesh).toEqual({
            controlPlane: "hosted",
            deployment: "istiod",
            clusters: { hosted: "hosted", "east-1": "east-1", "west-1": "west-1" },
            remoteSecrets: "managed",
        });
        const east = (await networkGroupProvider.create(groupInputs("east", ["east-1"]))).outs as NetworkGroupOutputs;
        await networkGroupProvider.delete("id", east);
        expect(readLedger(configMap(), ours)).toMatchObject({ groups: [], joined: {}, mesh: { controlPlane: "hosted" } });
        await gatewayRuleProvider.delete("id", rule);
        expect(ledgerKeys()).toEqual([]);
    });

    test("a new mesh ConfigMap takes the mesh's declaration; the old one keeps no trace of the mesh", async () => {
        mesh.hosted.seed({
            ...configMap(),
            metadata: { ...configMap().metadata, name: "istio-canary", annotations: {}, resourceVersion: undefined },
        });
        const rule = (await gatewayRuleProvider.create(gatewayRuleInputs())).outs as GatewayRuleOutputs;
        const moved = { ...gatewayRuleInputs(), configMap: "istio-canary" };
        await gatewayRuleProvider.update("id", rule, moved);
        expect(readLedger(configMap(), ours)).toBeUndefined();
        expect(readLedger(mesh.hosted.peek("ConfigMap", "istio-canary", ns)!, ours)?.mesh).toMatchObject({ controlPlane: "hosted" });
    });

    test("a state from before 0.2 (no configMap) updates without looking for an old ConfigMap", async () => {
        const rule = (await gatewayRuleProvider.create(gatewayRuleInputs())).outs as GatewayRuleOutputs;
        const { configMap: _none, ...legacy } = rule;
        await gatewayRuleProvider.update("id", legacy as GatewayRuleOutputs, gatewayRuleInputs());
        expect(readLedger(configMap(), ours)?.mesh).toMatchObject({ controlPlane: "hosted" });
    });

    test("a restart still to do keeps it after the last network leaves, until the restart is done", async () => {
        const ic = (await interconnectProvider.create(interconnectInputs([{ networkName: "east", addresses: ["192.0.2.1"] }])))
            .outs as InterconnectOutputs;
        const stamp = () => mesh.hosted.peek("Deployment", "istiod", ns)!.spec.template.metadata.annotations[annotations.restartedAt];
        const joinedAt = stamp();
        let failing = true;
        mesh.hosted.before = (call) => {
            if (failing && call.verb === "patch" && call.kind === "Deployment")
                throw apiAnswer(503, "the server is currently unable to handle the request");
        };
        await expect(interconnectProvider.delete("id", ic)).rejects.toThrow("failed (503)");
        // The network left meshNetworks, and the restart it costs is recorded, not done.
        const owed = readLedger(configMap(), ours)!;
        expect([owed.joined, owed.groups, typeof owed.restart]).toEqual([{}, [], "string"]);
        expect(stamp()).toBe(joinedAt);
        failing = false;
        await interconnectProvider.delete("id", ic);
        expect(stamp()).toBe(owed.restart);
        expect(ledgerKeys()).toEqual([]);
        expect(configMap().data).not.toHaveProperty("meshNetworks");
    });

    test("a delete with the ConfigMap gone (Istio uninstalled) says so and completes", async () => {
        const east = (await networkGroupProvider.create(groupInputs("east", ["east-1"]))).outs as NetworkGroupOutputs;
        mesh.hosted.drop("ConfigMap", "istio", ns);
        await networkGroupProvider.delete("id", east);
        expect(said).toEqual([
            `cluster "hosted": ConfigMap istio-system/istio is gone (Istio uninstalled?); no meshNetworks entry to remove`,
        ]);
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels ?? {}).toEqual({});
    });

    test("a create with the ConfigMap missing is refused, naming a revisioned install's ConfigMap", async () => {
        mesh.hosted.drop("ConfigMap", "istio", ns);
        await expect(networkGroupProvider.create(groupInputs("east", ["east-1"]))).rejects.toThrow(
            `cluster "hosted": the control plane's ConfigMap istio-system/istio does not exist; is Istio installed there? For a revisioned install set the MultiNetworking's controlPlane.configMap to "istio-<revision>"`,
        );
        expect(mesh.east.peek("Namespace", ns)!.metadata.labels ?? {}).toEqual({});
    });
});
