import * as YAML from "yaml";
import {
    emptyLedger,
    extractEntries,
    gatewayEndpointText,
    parseGatewayEndpoint,
    isolationAddress,
    Ledger,
    ledgerEntries,
    mergeMeshNetworks,
    MeshNetworksSyntaxError,
    parseMeshNetworks,
} from "../../core/meshNetworks";

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

// As Go's YAML writes it (Helm's toYaml, kubectl): lists at their key's column.
const commented =
    "networks:\n  # the data centre, through its VPN\n  legacy:\n    # a static address\n    gateways:\n    - address: 198.51.100.1\n      port: 15443\n";
const zeta = "  # team z's cluster\n  zeta:\n    # behind its own gateway\n    gateways:\n    - address: 198.51.100.9\n      port: 15443\n";

test("entries of others keep their comments and layout, byte for byte, through our add and our removal", () => {
    const joined = mergeMeshNetworks(commented, [], ours, commented)!;
    expect(joined.startsWith(commented)).toBe(true);
    expect(Object.keys(YAML.parse(joined).networks)).toEqual(["legacy", "east", "west"]);
    // Someone adds an entry after ours; we leave: theirs stays as written, with its comments.
    expect(mergeMeshNetworks(joined + zeta, ["east", "west"], {}, commented)).toBe(commented + zeta);
    // A comment between an entry of theirs and ours may be about theirs: it stays when ours goes.
    const noted = joined.replace("  east:\n", "  # legacy answers on 15443 only\n  east:\n");
    expect(mergeMeshNetworks(noted + zeta, ["east", "west"], {}, commented)).toContain("  # legacy answers on 15443 only\n");
});

test('Istio\'s default "networks: {}" takes our entries in block style; a network named like a number stays one entry', () => {
    expect(mergeMeshNetworks("networks: {}\n", [], ours, "networks: {}\n")).toBe(YAML.stringify({ networks: ours }));
    const numbered = mergeMeshNetworks("networks:\n  123:\n    gateways: []\n", ["123"], { 123: ours.east }, null)!;
    expect(parseMeshNetworks(numbered).networks).toEqual({ 123: ours.east });
    expect(numbered.match(/123/g)).toHaveLength(1);
});

test.each([
    ["networks: [", /^the meshNetworks text is not valid YAML: .* at line 1, column 12/],
    ["networks:\n  a: {}\n  a: {}\n", /^the meshNetworks text is not valid YAML: Map keys must be unique at line 3/],
    ["networks: {}\n---\nnetworks: {}\n", /^the meshNetworks text holds more than one YAML document/],
    ["- networks", /^the meshNetworks text is a list, not a mapping with a "networks" key/],
    ["networks: [east, west]", /^the meshNetworks text has "networks" as a list, not a mapping of network names to their entries/],
    ["networks: 5", /^the meshNetworks text has "networks" as the value 5, not a mapping/],
])("a meshNetworks text istiod cannot read is refused, saying why: %j", (text, message) => {
    for (const read of [
        () => mergeMeshNetworks(text, [], ours, text),
        () => parseMeshNetworks(text),
        () => extractEntries(text, ["east"]),
    ]) {
        expect(read).toThrow(MeshNetworksSyntaxError);
        expect(read).toThrow(message);
    }
});

test("a gateway endpoint off 15443 carries its port in members and ledgers, and becomes the meshNetworks port", () => {
    for (const [e, text] of [
        [{ address: "203.0.113.7", port: 15443 }, "203.0.113.7"],
        [{ address: "192.0.2.10", port: 31443 }, "192.0.2.10:31443"],
        [{ address: "2001:db8::1", port: 31443 }, "[2001:db8::1]:31443"],
        [{ address: "2001:db8::1", port: 15443 }, "2001:db8::1"],
        [{ address: "gw.example.com", port: 443 }, "gw.example.com:443"],
    ] as const) {
        expect(gatewayEndpointText(e)).toBe(text);
        expect(parseGatewayEndpoint(text)).toEqual(e);
    }
    const ledger = { ...emptyLedger("o", null), groups: ["bare"], joined: { bare: ["192.0.2.10:31443"] } };
    expect(ledgerEntries(ledger)).toEqual({ bare: { gateways: [{ address: "192.0.2.10", port: 31443 }] } });
});
