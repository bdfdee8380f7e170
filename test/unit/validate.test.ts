import { isLoopbackServer, kubeconfigServer } from "../../core/apiServer";
import {
    cidrsOverlap,
    multiNetworkingSchema,
    parseArgs,
    eastWestGatewaySchema,
    networkGroupSchema,
    interconnectSchema,
    requestedAddressOf,
    ValidationError,
} from "../../core/validate";
import { exportedMember, gatewayProblems, groupProblems, memberProblems, referenceProblems } from "../../core/rules";

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
        [
            { ...mnArgs, clusters: [{ name: "hosted" }, { name: "east-1", clusterId: "Kubernetes" }] },
            /clusters\[1\]\.clusterId: must be a DNS-1123 label.*; it names the cluster's remote secret/,
        ],
        [
            { ...mnArgs, clusters: [{ name: "hosted", clusterId: "my cluster" }, { name: "east-1" }] },
            /clusters\[0\]\.clusterId: must be a label value .* as istiod's CLUSTER_ID is/,
        ],
        [
            { ...mnArgs, controlPlane: { cluster: "hosted", istiodDebug: "istiod:15014" } },
            /controlPlane\.istiodDebug: must be the http\(s\) address/,
        ],
        [{ ...mnArgs, awaitTimeoutSeconds: 0 }, /awaitTimeoutSeconds: must be at least 1/],
    ])("rejects %#", (args, message) => {
        expect(() => parseArgs(multiNetworkingSchema, args, `MultiNetworking "m"`)).toThrow(message);
    });
    test("the control-plane cluster takes istiod's CLUSTER_ID as it is, Istio's default \"Kubernetes\" too", () => {
        const parsed = parseArgs(
            multiNetworkingSchema,
            { ...mnArgs, clusters: [{ name: "hosted", clusterId: "Kubernetes" }, { name: "east-1" }] },
            "m",
        );
        expect(parsed.clusters.map((c) => c.clusterId)).toEqual(["Kubernetes", "east-1"]);
        expect(parsed.skipAwait).toBe(false);
        expect(parsed.awaitTimeoutSeconds).toBe(300);
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
    test("an IPv4-mapped IPv6 CIDR overlaps its IPv4 twin, either way round; a mapped prefix below 96 is IPv6", () => {
        expect(cidrsOverlap("::ffff:10.20.0.0/112", "10.20.0.0/16")).toBe(true);
        expect(cidrsOverlap("10.20.0.0/16", "::ffff:10.20.0.0/112")).toBe(true);
        expect(cidrsOverlap("::ffff:10.20.0.0/112", "10.20.128.0/17")).toBe(true);
        expect(cidrsOverlap("::ffff:10.20.0.0/112", "10.21.0.0/16")).toBe(false);
        expect(cidrsOverlap("::ffff:0.0.0.0/95", "10.20.0.0/16")).toBe(false);
        expect(cidrsOverlap("::ffff:0.0.0.0/95", "::ffff:10.20.0.0/112")).toBe(true);
        // IPv4-compatible (::a.b.c.d, deprecated) is not IPv4-mapped
        expect(cidrsOverlap("::10.20.0.0/112", "10.20.0.0/16")).toBe(false);
        const twins = [
            { name: "v4", podCidrs: ["10.20.0.0/16"] },
            { name: "mapped", podCidrs: ["::ffff:10.20.0.0/112"] },
        ];
        expect(groupProblems({ networkName: "g", clusters: ["v4", "mapped"] }, twins, [])).toEqual([
            expect.stringContaining(`Pod CIDRs overlap: "v4" has 10.20.0.0/16 and "mapped" has ::ffff:10.20.0.0/112`),
        ]);
    });
    test.each(["127.1/16", "0x0a.0.0.0/8", "010.0.0.0/8", "167772160/8", "fe80::%eth0/64", "::ffff:0x0a.0.0.0/104", "10.0.0.0/08"])(
        "a Pod CIDR's address is dotted-quad decimal IPv4 or IPv6: %s is refused",
        (cidr) => {
            expect(() => parseArgs(multiNetworkingSchema, { ...mnArgs, clusters: [{ name: "hosted", podCidrs: [cidr] }] }, "mn")).toThrow(
                /clusters\[0\]\.podCidrs\[0\]: is not a valid CIDR/,
            );
        },
    );
    test.each(["10.0.0.0/8", "0.0.0.0/0", "fd00::/64", "::ffff:10.20.0.0/112"])("a Pod CIDR such as %s is accepted", (cidr) => {
        expect(
            parseArgs(multiNetworkingSchema, { ...mnArgs, clusters: [{ name: "hosted", podCidrs: [cidr] }] }, "mn").clusters[0].podCidrs,
        ).toEqual([cidr]);
    });
});

describe("gateways", () => {
    test("defaults and bad values", () => {
        expect(parseArgs(eastWestGatewaySchema, { cluster: "a" }, "gw")).toEqual({
            cluster: "a",
            replicas: 1,
            serviceAnnotations: {},
            serviceType: "LoadBalancer",
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
    test.each([
        "0x7f.1",
        "4294967295",
        "127.1",
        "010.0.0.1",
        "1.2.3.4 ",
        "fe80::1%eth0",
        "::ffff:127.1",
        "::ffff:0x7f.0.0.1",
        "::ffff:010.0.0.1",
    ])("a gateway address is dotted-quad decimal IPv4 or IPv6: %j is refused", (address) => {
        expect(() => parseArgs(eastWestGatewaySchema, { cluster: "a", address }, "gw")).toThrow(
            /address: is not a valid IPv4 or IPv6 address; .*e\.g\. "203\.0\.113\.7"/,
        );
    });
    test.each(["203.0.113.7", "0.0.0.0", "255.255.255.255", "2001:db8::7", "::", "::ffff:203.0.113.7"])(
        "a gateway address such as %s is accepted",
        (address) => {
            expect(parseArgs(eastWestGatewaySchema, { cluster: "a", address }, "gw").address).toBe(address);
        },
    );
    test.each(["100::", "100:0::1", "0100::ffff", "100::ffff:ffff:ffff:ffff"])(
        "a gateway address in the discard prefix 100::/64 (%s) is refused",
        (address) => {
            expect(() => parseArgs(eastWestGatewaySchema, { cluster: "a", address }, "gw")).toThrow(
                /address: is in 100::\/64, the discard prefix that keeps groups outside the interconnect unreachable; give the gateway a real address/,
            );
        },
    );
    test("just outside the discard prefix is an address like any other", () => {
        expect(parseArgs(eastWestGatewaySchema, { cluster: "a", address: "100:0:0:1::" }, "gw").address).toBe("100:0:0:1::");
    });
    test("a NodePort gateway needs the address peers reach; a node port only with NodePort; ports are port numbers", () => {
        const gw = (over: object) => parseArgs(eastWestGatewaySchema, { cluster: "a", ...over }, "gw");
        expect(() => gw({ serviceType: "NodePort" })).toThrow(
            /gw: requestedAddress: is required with serviceType "NodePort": give the address other networks reach/,
        );
        expect(() => gw({ nodePort: 31443 })).toThrow(/gw: nodePort: applies to serviceType "NodePort" only/);
        expect(() => gw({ serviceType: "ClusterIP" })).toThrow(/serviceType: must be one of "LoadBalancer" or "NodePort"/);
        expect(() => gw({ port: 70000 })).toThrow(/port: must be a port number, 1 to 65535/);
        expect(gw({ serviceType: "NodePort", address: "192.0.2.10", nodePort: 31443, port: 443 })).toMatchObject({
            serviceType: "NodePort",
            address: "192.0.2.10",
            nodePort: 31443,
            port: 443,
        });
        expect(gw({ serviceType: "NodePort", requestedAddress: "192.0.2.10" })).toMatchObject({ requestedAddress: "192.0.2.10" });
    });
    test("requestedAddress is the argument; address, its former name, is still taken, but not both", () => {
        const gw = (over: object) => parseArgs(eastWestGatewaySchema, { cluster: "a", ...over }, "gw");
        expect(requestedAddressOf(gw({ requestedAddress: "203.0.113.7" }))).toBe("203.0.113.7");
        expect(requestedAddressOf(gw({ address: "203.0.113.7" }))).toBe("203.0.113.7");
        expect(requestedAddressOf(gw({}))).toBeUndefined();
        expect(() => gw({ requestedAddress: "203.0.113.7", address: "203.0.113.7" })).toThrow(
            /^gw: address: is the former name of requestedAddress; give requestedAddress only$/,
        );
        // Each name is checked as the other: the message names the one given.
        expect(() => gw({ requestedAddress: "203.0.113.300" })).toThrow(/gw: requestedAddress: is not a valid IPv4 or IPv6 address/);
        expect(() => gw({ requestedAddress: "100::1" })).toThrow(/gw: requestedAddress: is in 100::\/64/);
    });
    test("podAnnotations: valid annotation keys with string values, but not the two the gateway's injection sets", () => {
        const gw = (podAnnotations: unknown) => parseArgs(eastWestGatewaySchema, { cluster: "a", podAnnotations }, "gw");
        expect(gw({ "prometheus.io/scrape": "true" }).podAnnotations).toEqual({ "prometheus.io/scrape": "true" });
        expect(parseArgs(eastWestGatewaySchema, { cluster: "a" }, "gw")).not.toHaveProperty("podAnnotations");
        expect(() => gw({ "bad key!": "x" })).toThrow(/gw: podAnnotations\["bad key!"\]: is not a valid annotation key/);
        expect(() => gw({ "sidecar.istio.io/inject": "false" })).toThrow(
            /gw: podAnnotations\["sidecar\.istio\.io\/inject"\]: is set by the gateway itself .*; remove it/,
        );
        expect(() => gw({ "inject.istio.io/templates": "sidecar" })).toThrow(
            /gw: podAnnotations\["inject\.istio\.io\/templates"\]: is set by the gateway itself/,
        );
        expect(() => gw({ "example.com/n": 1 })).toThrow(/gw: podAnnotations\["example\.com\/n"\]: must be a string/);
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
    const gw = (name: string, networkName: string, requestedAddress?: string) => ({ name, networkName, requestedAddress });
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

test("a referenced group is checked with the others once its export is known: listed twice, or with no gateway exported", () => {
    const exported = (networkName: string, gateways: { address: string; port: number }[]) => ({
        meshId: "mesh1",
        networkName,
        namespace: "istio-system",
        owner: "proj/g",
        clusters: [],
        gateways,
    });
    const local = { networkName: "west", gateways: [{ name: "gw", networkName: "west", requestedAddress: "203.0.113.5" }] };
    expect(
        memberProblems([
            local,
            exportedMember(exported("west", [{ address: "203.0.113.7", port: 15443 }])),
            exportedMember(exported("south", [])),
        ]),
    ).toEqual([
        'members[1] ("west"): network group "west" is listed twice; list each group once',
        'members[2] ("south").gateways: a network group joins the interconnect only through at least one EastWestGateway; ' +
            "its group stack exported none: create one there and pass it to NetworkGroup.export",
    ]);
    expect(memberProblems([exportedMember(exported("west", [{ address: "203.0.113.7", port: 15443 }]), ["203.0.113.9"])])).toEqual([
        'members[0] ("west").addresses[0]: "203.0.113.9" is not the address of any of its gateways (203.0.113.7); pick one of them or leave addresses out',
    ]);
});

describe("referenceProblems: a group stack's export, as the hub takes it", () => {
    const exported = {
        meshId: "mesh1",
        networkName: "west",
        namespace: "istio-system",
        owner: "proj/west",
        clusters: [{ name: "west-1", clusterId: "west-1", podCidrs: [], reader: "kubeconfig" }],
        gateways: [{ address: "203.0.113.7", port: 15443 }],
    };
    const hub = {
        meshId: "mesh1",
        namespace: "istio-system",
        clusters: [{ name: "hosted", clusterId: "Kubernetes" }],
        remoteSecrets: "managed" as const,
        groups: [{ networkName: "east", clusters: ["hosted"] }],
    };
    test("an export of this mesh is taken", () => {
        expect(referenceProblems(exported, hub)).toEqual([]);
    });
    test("each mismatch names its field and the fix", () => {
        const bad = {
            ...exported,
            meshId: "mesh2",
            namespace: "istio",
            networkName: "east",
            clusters: [{ name: "hosted", clusterId: "x", podCidrs: [] }],
        };
        expect(referenceProblems(bad, hub)).toEqual([
            'group.meshId: "mesh2" is not this mesh\'s ("mesh1"); reference a group of this mesh',
            'group.namespace: the group\'s Istio namespace "istio" is not this mesh\'s ("istio-system"); give both stacks the same controlPlane.namespace',
            'group.clusters[0]: "hosted" (cluster ID "x") is also declared in this stack\'s MultiNetworking; a cluster belongs to one stack: declare it in one of them',
            'group.clusters[0].reader: the group stack exported no reader for "hosted" (its remoteSecrets is "external"); set remoteSecrets: "managed" there, or "external" here and make its remote secret yourself',
            'group.networkName: "east" is already a group of this mesh in this stack; each network once',
        ]);
        expect(referenceProblems(undefined, hub)).toEqual([
            "group: is not a group's export; pass the output of NetworkGroup.export from the group stack",
        ]);
        expect(
            referenceProblems(
                { ...exported, clusters: [{ ...exported.clusters[0], reader: undefined }] },
                { ...hub, remoteSecrets: "external" },
            ),
        ).toEqual([]);
    });
});

describe("messages", () => {
    const problems = (schema: Parameters<typeof parseArgs>[0], args: unknown): string[] => {
        try {
            parseArgs(schema, args, "R");
        } catch (e) {
            if (e instanceof ValidationError) return e.problems;
            throw e;
        }
        throw new Error(`${JSON.stringify(args)} was accepted`);
    };
    const gw = { cluster: "a" };
    // Per schema: bad arguments, and the field path the message must name.
    const bad: [string, Parameters<typeof parseArgs>[0], [unknown, string][]][] = [
        [
            "MultiNetworking",
            multiNetworkingSchema,
            [
                [undefined, "(args)"],
                ["mesh1", "(args)"],
                [{ ...mnArgs, meshId: undefined }, "meshId"],
                [{ ...mnArgs, meshId: 1 }, "meshId"],
                [{ ...mnArgs, controlPlane: "hosted" }, "controlPlane"],
                [{ ...mnArgs, controlPlane: { cluster: 7 } }, "controlPlane.cluster"],
                [{ ...mnArgs, controlPlane: { cluster: "hosted", namespace: 1 } }, "controlPlane.namespace"],
                [{ ...mnArgs, controlPlane: { cluster: "hosted", deployment: null } }, "controlPlane.deployment"],
                [{ ...mnArgs, controlPlane: { cluster: "hosted", configMap: [] } }, "controlPlane.configMap"],
                [{ ...mnArgs, clusters: "hosted" }, "clusters"],
                [{ ...mnArgs, clusters: ["hosted"] }, "clusters[0]"],
                [{ ...mnArgs, clusters: [{}] }, "clusters[0].name"],
                [{ ...mnArgs, clusters: [{ name: "hosted", clusterId: 1 }] }, "clusters[0].clusterId"],
                [{ ...mnArgs, clusters: [{ name: "hosted", podCidrs: "10.0.0.0/8" }] }, "clusters[0].podCidrs"],
                [{ ...mnArgs, clusters: [{ name: "hosted", podCidrs: [8] }] }, "clusters[0].podCidrs[0]"],
                [{ ...mnArgs, clusters: [{ name: "hosted", remoteSecretServer: 6443 }] }, "clusters[0].remoteSecretServer"],
                [{ ...mnArgs, remoteSecrets: "auto" }, "remoteSecrets"],
                [{ ...mnArgs, remoteSecrets: false }, "remoteSecrets"],
            ],
        ],
        [
            "NetworkGroup",
            networkGroupSchema,
            [
                [{ clusters: ["a"] }, "networkName"],
                [{ networkName: 1, clusters: ["a"] }, "networkName"],
                [{ networkName: "g" }, "clusters"],
                [{ networkName: "g", clusters: "a" }, "clusters"],
                [{ networkName: "g", clusters: [1] }, "clusters[0]"],
            ],
        ],
        [
            "EastWestGateway",
            eastWestGatewaySchema,
            [
                [{}, "cluster"],
                [{ cluster: 1 }, "cluster"],
                [{ ...gw, replicas: "2" }, "replicas"],
                [{ ...gw, replicas: 1e300 }, "replicas"],
                [{ ...gw, replicas: NaN }, "replicas"],
                [{ ...gw, serviceAnnotations: "nlb" }, "serviceAnnotations"],
                [{ ...gw, serviceAnnotations: { "example.com/lb": 1 } }, `serviceAnnotations["example.com/lb"]`],
                [{ ...gw, address: 7 }, "address"],
                [{ ...gw, requestedAddress: 7 }, "requestedAddress"],
                [{ ...gw, addressTimeoutSeconds: 1.5 }, "addressTimeoutSeconds"],
                [{ ...gw, addressTimeoutSeconds: "300" }, "addressTimeoutSeconds"],
                [{ ...gw, addressTimeoutSeconds: Infinity }, "addressTimeoutSeconds"],
                [{ ...gw, addressTimeoutSeconds: 1e300 }, "addressTimeoutSeconds"],
                [{ ...gw, proxyImage: ["proxyv2"] }, "proxyImage"],
                [{ ...gw, podAnnotations: "scrape" }, "podAnnotations"],
                [{ ...gw, podAnnotations: { "example.com/n": 1 } }, `podAnnotations["example.com/n"]`],
                [{ ...gw, podAnnotations: { "sidecar.istio.io/inject": "false" } }, `podAnnotations["sidecar.istio.io/inject"]`],
            ],
        ],
        [
            "Interconnect",
            interconnectSchema,
            [
                [{ controlPlaneRestart: "always" }, "controlPlaneRestart"],
                [{ controlPlaneRestart: true }, "controlPlaneRestart"],
                [null, "(args)"],
            ],
        ],
    ];
    test.each(bad.flatMap(([resource, schema, cases]) => cases.map(([args, path]) => [resource, args, path, schema] as const)))(
        "%s %p: the message names %s and reads as ours, not zod's",
        (_, args, path, schema) => {
            const found = problems(schema, args);
            for (const p of found) expect(p).not.toMatch(/Invalid input|expected|received|Invalid option|Too small|Too big/i);
            expect(found.map((p) => p.slice(0, p.indexOf(": ")))).toContain(path);
        },
    );
    test("the wording: what is expected, with an example", () => {
        expect(problems(eastWestGatewaySchema, { ...gw, addressTimeoutSeconds: 1.5 })).toEqual([
            "addressTimeoutSeconds: must be a whole number of seconds, e.g. 300",
        ]);
        expect(problems(eastWestGatewaySchema, { ...gw, replicas: "2" })).toEqual(["replicas: must be a whole number, e.g. 2"]);
        expect(problems(eastWestGatewaySchema, { ...gw, podAnnotations: "scrape" })).toEqual([
            'podAnnotations: must be an object of annotation keys and values, e.g. { "prometheus.io/scrape": "true" }',
        ]);
        expect(problems(interconnectSchema, { controlPlaneRestart: "always" })).toEqual([
            'controlPlaneRestart: must be one of "onMembershipChange" or "never"',
        ]);
        expect(problems(networkGroupSchema, { networkName: "g", clusters: "a" })).toEqual([
            'clusters: must be a list of cluster names, e.g. ["east-1", "west-1"]',
        ]);
        expect(problems(multiNetworkingSchema, { ...mnArgs, clusters: "hosted" })).toEqual([
            'clusters: must be a list of clusters, e.g. [{ name: "east-1", podCidrs: ["10.20.0.0/16"] }]',
        ]);
        expect(problems(eastWestGatewaySchema, {})).toEqual(['cluster: is required; give a cluster name, e.g. "east-1"']);
    });
});

describe("API servers in remote secrets", () => {
    test.each([
        ["https://127.0.0.1:6443", true],
        ["https://127.8.9.10", true],
        ["https://localhost:6443", true],
        ["https://[::1]:6443", true],
        ["https://0.0.0.0:6443", true],
        ["https://[::ffff:127.0.0.1]:6443", true],
        ["https://192.0.2.2:6443", false],
        ["https://api.example.com", false],
    ])("%s is loopback: %s", (server, loopback) => {
        expect(isLoopbackServer(server)).toBe(loopback);
    });
    test("the server of the kubeconfig's current context", () => {
        const k = (current: string) =>
            `apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: "https://a:1"}\n- name: b\n  cluster: {server: "https://b:2"}\n` +
            `contexts:\n- name: ca\n  context: {cluster: a, user: u}\n- name: cb\n  context: {cluster: b, user: u}\ncurrent-context: ${current}\n`;
        expect(kubeconfigServer(k("cb"))).toBe("https://b:2");
        expect(kubeconfigServer(k("none"))).toBeUndefined();
        expect(kubeconfigServer("not: [yaml")).toBeUndefined();
    });
});
