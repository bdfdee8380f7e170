import * as YAML from "yaml";
import { emptyLedger, extractEntries, isolationAddress, Ledger, ledgerEntries, mergeMeshNetworks } from "../../core/meshNetworks";

const ledger = (over: Partial<Ledger>): Ledger => ({ ...emptyLedger("p/s/m", null), ...over });

test("a joined network lists its gateways on 15443; a group outside the interconnect sits behind the discard address", () => {
    expect(
        ledgerEntries(
            ledger({ groups: ["west", "east", "south"], joined: { east: ["203.0.113.2", "203.0.113.1"], west: ["203.0.113.3"] } }),
        ),
    ).toEqual({
        east: {
            gateways: [
                { address: "203.0.113.1", port: 15443 },
                { address: "203.0.113.2", port: 15443 },
            ],
        },
        south: { gateways: [{ address: isolationAddress, port: 15443 }] },
        west: { gateways: [{ address: "203.0.113.3", port: 15443 }] },
    });
    expect(isolationAddress).toBe("100::");
});

test("entries carry no endpoints: the namespace label decides an endpoint's network (no fromRegistry for istioctl analyze to flag)", () => {
    expect(JSON.stringify(ledgerEntries(ledger({ groups: ["a"], joined: { a: ["203.0.113.1"] } })))).not.toContain("endpoints");
});

const ours = ledgerEntries(ledger({ joined: { west: ["203.0.113.2"], east: ["203.0.113.1"] } }));

test("keeps entries it does not own, replaces its own", () => {
    const foreign =
        "networks:\n  legacy:\n    endpoints:\n    - fromCidr: 192.168.0.0/16\n    gateways:\n    - address: 198.51.100.1\n      port: 15443\n";
    const first = mergeMeshNetworks(foreign, [], ours, foreign)!;
    expect(Object.keys(YAML.parse(first).networks)).toEqual(["legacy", "east", "west"]);
    const second = mergeMeshNetworks(first, ["east", "west"], ledgerEntries(ledger({ joined: { east: ["203.0.113.1"] } })), foreign)!;
    expect(Object.keys(YAML.parse(second).networks)).toEqual(["legacy", "east"]);
    expect(extractEntries(second, ["east", "west"])).toEqual({ east: { gateways: [{ address: "203.0.113.1", port: 15443 }] } });
});

test("leaving restores the original text byte for byte, or removes a key that was not there", () => {
    const original =
        "# hand-written\nnetworks: {legacy: {endpoints: [{fromCidr: 192.168.0.0/16}], gateways: [{address: 198.51.100.1, port: 15443}]}}\n";
    const joined = mergeMeshNetworks(original, [], ours, original);
    expect(mergeMeshNetworks(joined, ["east", "west"], {}, original)).toBe(original);
    const fresh = mergeMeshNetworks(undefined, [], ours, null);
    expect(mergeMeshNetworks(fresh, ["east", "west"], {}, null)).toBeUndefined();
});
