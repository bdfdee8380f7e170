import * as YAML from "yaml";
import { extractEntries, mergeMeshNetworks, renderEntries } from "../../core/meshNetworks";

const ours = renderEntries([
    { network: "west", clusters: ["w1"], addresses: ["203.0.113.2"] },
    { network: "east", clusters: ["e2", "e1"], addresses: ["203.0.113.1"] },
]);

test("renders one entry per member: fromRegistry per cluster, gateways on 15443, sorted", () => {
    expect(ours).toEqual({
        east: { endpoints: [{ fromRegistry: "e1" }, { fromRegistry: "e2" }], gateways: [{ address: "203.0.113.1", port: 15443 }] },
        west: { endpoints: [{ fromRegistry: "w1" }], gateways: [{ address: "203.0.113.2", port: 15443 }] },
    });
});

test("keeps entries it does not own, replaces its own", () => {
    const foreign = "networks:\n  legacy:\n    endpoints:\n    - fromCidr: 192.168.0.0/16\n    gateways:\n    - address: 198.51.100.1\n      port: 15443\n";
    const first = mergeMeshNetworks(foreign, [], ours, foreign)!;
    expect(Object.keys(YAML.parse(first).networks)).toEqual(["legacy", "east", "west"]);
    const second = mergeMeshNetworks(first, ["east", "west"], renderEntries([{ network: "east", clusters: ["e1"], addresses: ["203.0.113.1"] }]), foreign)!;
    expect(Object.keys(YAML.parse(second).networks)).toEqual(["legacy", "east"]);
    expect(extractEntries(second, ["east", "west"])).toEqual({ east: { endpoints: [{ fromRegistry: "e1" }], gateways: [{ address: "203.0.113.1", port: 15443 }] } });
});

test("leaving restores the original text byte for byte, or removes a key that was not there", () => {
    const original = "# hand-written\nnetworks: {legacy: {endpoints: [{fromCidr: 192.168.0.0/16}], gateways: [{address: 198.51.100.1, port: 15443}]}}\n";
    const joined = mergeMeshNetworks(original, [], ours, original);
    expect(mergeMeshNetworks(joined, ["east", "west"], {}, original)).toBe(original);
    const fresh = mergeMeshNetworks(undefined, [], ours, null);
    expect(mergeMeshNetworks(fresh, ["east", "west"], {}, null)).toBeUndefined();
});
