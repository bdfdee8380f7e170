import {
    cidrsOverlap,
    gatewayProblems,
    groupProblems,
    memberProblems,
    multiNetworkingSchema,
    parseArgs,
    eastWestGatewaySchema,
    networkGroupSchema,
} from "../../core/validate";

const mnArgs = {
    meshId: "mesh1",
    controlPlane: { cluster: "hosted" },
    clusters: [
        { name: "hosted", podCidrs: ["10.10.0.0/16"] },
        { name: "east-1", podCidrs: ["10.20.0.0/16"] },
    ],
};

describe("MultiNetworking args", () => {
    test("defaults the control plane names", () => {
        expect(parseArgs(multiNetworkingSchema, mnArgs, "MultiNetworking").controlPlane).toEqual({
            cluster: "hosted",
            namespace: "istio-system",
            deployment: "istiod",
            configMap: "istio",
        });
    });
    test.each([
        [{ ...mnArgs, meshId: "Mesh_1" }, /MultiNetworking "m": meshId: must be a DNS-1123 label/],
        [{ ...mnArgs, clusters: [...mnArgs.clusters, { name: "hosted" }] }, /clusters\[2\]\.name: "hosted" is declared twice/],
        [{ ...mnArgs, clusters: [{ name: "hosted", podCidrs: ["10.0.0.0/33"] }] }, /clusters\[0\]\.podCidrs\[0\]: is not a valid CIDR/],
        [
            { ...mnArgs, controlPlane: { cluster: "nowhere" } },
            /controlPlane\.cluster: "nowhere" is not one of clusters\[\]\.name \(hosted, east-1\)/,
        ],
        [{ ...mnArgs, clusters: [] }, /clusters: needs at least one cluster/],
    ])("rejects %#", (args, message) => {
        expect(() => parseArgs(multiNetworkingSchema, args, `MultiNetworking "m"`)).toThrow(message);
    });
});

describe("groups", () => {
    const declared = [
        { name: "a", podCidrs: ["10.0.0.0/16"] },
        { name: "b", podCidrs: ["10.0.128.0/17"] },
        { name: "c", podCidrs: ["10.0.0.0/16"] },
        { name: "d", podCidrs: ["fd00::/64"] },
    ];
    test("overlapping CIDRs inside one group name both clusters and both CIDRs", () => {
        expect(groupProblems({ networkName: "g", clusters: ["a", "b"] }, declared, [])).toEqual([
            expect.stringContaining(`Pod CIDRs overlap: "a" has 10.0.0.0/16 and "b" has 10.0.128.0/17`),
        ]);
    });
    test("the same CIDR in different groups is fine", () => {
        expect(groupProblems({ networkName: "g2", clusters: ["c"] }, declared, [{ networkName: "g1", clusters: ["a"] }])).toEqual([]);
    });
    test("a cluster in two groups, an undeclared cluster, a reused network name", () => {
        const problems = groupProblems({ networkName: "g1", clusters: ["a", "zz"] }, declared, [{ networkName: "g1", clusters: ["a"] }]);
        expect(problems).toEqual([
            expect.stringContaining(`clusters[0]: "a" already belongs to network group "g1"`),
            expect.stringContaining(`clusters[1]: "zz" is not declared`),
            expect.stringContaining(`networkName: "g1" is already used`),
        ]);
    });
    test("empty and duplicate cluster lists", () => {
        expect(() => parseArgs(networkGroupSchema, { networkName: "g", clusters: [] }, "NetworkGroup")).toThrow(
            /clusters: needs at least one cluster/,
        );
        expect(() => parseArgs(networkGroupSchema, { networkName: "g", clusters: ["a", "a"] }, "NetworkGroup")).toThrow(
            /clusters\[1\]: "a" is listed twice/,
        );
    });
    test("CIDR overlap is family-aware", () => {
        expect(cidrsOverlap("10.0.0.0/8", "10.1.0.0/16")).toBe(true);
        expect(cidrsOverlap("10.0.0.0/16", "10.1.0.0/16")).toBe(false);
        expect(cidrsOverlap("fd00::/64", "10.0.0.0/8")).toBe(false);
    });
});

describe("gateways", () => {
    test("defaults and bad values", () => {
        expect(parseArgs(eastWestGatewaySchema, { cluster: "a" }, "gw")).toEqual({
            cluster: "a",
            replicas: 1,
            serviceAnnotations: {},
            addressTimeoutSeconds: 300,
        });
        expect(() => parseArgs(eastWestGatewaySchema, { cluster: "a", replicas: 0 }, "gw")).toThrow(/replicas: must be at least 1/);
        expect(() => parseArgs(eastWestGatewaySchema, { cluster: "a", replicas: 1.5 }, "gw")).toThrow(/replicas: must be a whole number/);
        expect(() => parseArgs(eastWestGatewaySchema, { cluster: "a", serviceAnnotations: { "bad key!": "x" } }, "gw")).toThrow(
            /serviceAnnotations.*not a valid annotation key/,
        );
        expect(() => parseArgs(eastWestGatewaySchema, { cluster: "a", address: "203.0.113.300" }, "gw")).toThrow(
            /address: is not a valid IPv4 or IPv6 address/,
        );
    });
    test("cluster outside its group, two gateways on one cluster", () => {
        expect(gatewayProblems({ cluster: "x", networkName: "g" }, { networkName: "g", clusters: ["a"] }, [])).toEqual([
            expect.stringContaining(`"x" is not a member of network group "g"`),
        ]);
        expect(
            gatewayProblems({ cluster: "a", networkName: "g" }, { networkName: "g", clusters: ["a"] }, [
                { cluster: "a", networkName: "g" },
            ]),
        ).toEqual([expect.stringContaining(`"a" already has an east-west gateway`)]);
    });
});

describe("interconnect members", () => {
    const gw = (name: string, networkName: string, address?: string) => ({ name, networkName, address });
    test("each rule names the member", () => {
        expect(
            memberProblems([
                { networkName: "g1", gateways: [] },
                { networkName: "g2", gateways: [gw("x", "g3")] },
                { networkName: "g4", gateways: [gw("y", "g4", "203.0.113.1")], addresses: ["203.0.113.9"] },
                { networkName: "g4", gateways: [gw("y", "g4", "203.0.113.1")] },
            ]),
        ).toEqual([
            expect.stringContaining(
                `members[0] ("g1").gateways: a network group joins the interconnect only through at least one EastWestGateway`,
            ),
            expect.stringContaining(`members[1] ("g2").gateways[0]: gateway "x" belongs to network group "g3"`),
            expect.stringContaining(`members[2] ("g4").addresses[0]: "203.0.113.9" is not the address of any of its gateways`),
            expect.stringContaining(`members[3] ("g4"): network group "g4" is listed twice`),
        ]);
    });
    test("cloud-assigned addresses are checked later, not guessed", () => {
        expect(memberProblems([{ networkName: "g", gateways: [gw("x", "g")], addresses: ["203.0.113.5"] }])).toEqual([]);
    });
});
