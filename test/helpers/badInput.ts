// The bad inputs the SDK refuses inside the components' constructors, before any cluster is read or written: each a
// topology of the bed's topology program (bed/topology.ts) and what the error must say (the resource, the field,
// the fix). test/unit/badInput.test.ts runs every one under mocks; test/e2e/bad-input.test.ts runs one on the bed,
// with the real engine, where the API servers' audit logs prove that such a refusal writes nothing.
import type { Topology } from "../../bed/topology";

/** Bed cluster N is named `cluster-N` (bed/topology.ts, clusterName). */
const c = (n: number) => `cluster-${n}`;

export const good: Topology = {
    meshId: "mesh-bad",
    controlPlane: { cluster: c(1) },
    clusters: [
        { name: c(1), podCidrs: ["10.1.0.0/16"] },
        { name: c(2), podCidrs: ["10.2.0.0/16"] },
        { name: c(3), podCidrs: ["10.2.0.0/16"] },
    ],
    groups: [
        { name: "east", clusters: [c(1), c(2)] },
        { name: "west", clusters: [c(3)] },
    ],
    gateways: [
        { name: "gw-east", group: "east", cluster: c(2) },
        { name: "gw-west", group: "west", cluster: c(3), address: "203.0.113.90" },
    ],
    interconnect: {
        members: [
            { group: "east", gateways: ["gw-east"] },
            { group: "west", gateways: ["gw-west"] },
        ],
    },
};
export const edit = (f: (t: Topology) => void): Topology => {
    const t = JSON.parse(JSON.stringify(good));
    f(t);
    return t;
};

/**
 * [case, topology, substrings the error must contain (resource, field, fix)]: every case a component's constructor
 * refuses, before the program reads or writes a cluster.
 */
export const sdkCases: [string, Topology, string[]][] = [
    ["invalid mesh id", edit((t) => (t.meshId = "Mesh_1")), [`MultiNetworking "Mesh_1"`, "meshId", "DNS-1123 label"]],
    [
        "invalid cluster name",
        edit((t) => (t.clusters[1].name = "Cluster_2")),
        [`MultiNetworking "mesh-bad"`, "clusters[1].name", "DNS-1123"],
    ],
    [
        "duplicate cluster names",
        edit((t) => t.clusters.push({ name: c(1) })),
        ["clusters[3].name", `"cluster-1" is declared twice`, "must be unique"],
    ],
    [
        "malformed CIDR (prefix)",
        edit((t) => (t.clusters[0].podCidrs = ["10.1.0.0/33"])),
        ["clusters[0].podCidrs[0]", "not a valid CIDR", "10.20.0.0/16"],
    ],
    ["malformed CIDR (text)", edit((t) => (t.clusters[0].podCidrs = ["pods"])), ["clusters[0].podCidrs[0]", "not a valid CIDR"]],
    [
        "undeclared control-plane cluster",
        edit((t) => (t.controlPlane.cluster = "hub")),
        ["controlPlane.cluster", `"hub" is not one of clusters[].name`, "declare it"],
    ],
    ["invalid network name", edit((t) => (t.groups[0].networkName = "East.Net")), [`NetworkGroup "east"`, "networkName", "DNS-1123"]],
    [
        "duplicate network name",
        edit((t) => (t.groups[1].networkName = "east")),
        [`NetworkGroup "west"`, "networkName", "already used", "choose another name"],
    ],
    [
        "a cluster in two groups",
        edit((t) => t.groups[1].clusters.push(c(2))),
        [`NetworkGroup "west"`, "clusters[1]", `already belongs to network group "east"`, "remove it from"],
    ],
    [
        "overlapping CIDRs in one group",
        edit((t) => (t.clusters[1].podCidrs = ["10.1.128.0/17"])),
        [`NetworkGroup "east"`, "Pod CIDRs overlap", `"cluster-1" has 10.1.0.0/16`, "different network groups"],
    ],
    [
        "an empty group",
        edit((t) => (t.groups[1].clusters = [])),
        [`NetworkGroup "west"`, "clusters", "at least one cluster", "delete the NetworkGroup"],
    ],
    [
        "a cluster listed twice in a group",
        edit((t) => t.groups[1].clusters.push(c(3))),
        [`NetworkGroup "west"`, "clusters[1]", "listed twice"],
    ],
    [
        "an undeclared cluster in a group",
        edit((t) => t.groups[1].clusters.push("ghost")),
        [`NetworkGroup "west"`, "clusters[1]", `"ghost" is not declared`, "add it there first"],
    ],
    [
        "a gateway on a cluster outside its group",
        edit((t) => (t.gateways[1].cluster = c(1))),
        [`EastWestGateway "gw-west"`, "cluster", `not a member of network group "west"`, "put the gateway on a member cluster"],
    ],
    [
        "two gateways on one cluster",
        edit((t) => t.gateways.push({ name: "gw-east-2", group: "east", cluster: c(2) })),
        [`EastWestGateway "gw-east-2"`, "cluster", "already has an east-west gateway", "raise its replicas"],
    ],
    ["replicas 0", edit((t) => (t.gateways[0].replicas = 0)), [`EastWestGateway "gw-east"`, "replicas", "at least 1"]],
    ["replicas negative", edit((t) => (t.gateways[0].replicas = -2)), [`EastWestGateway "gw-east"`, "replicas", "at least 1"]],
    ["replicas not an integer", edit((t) => (t.gateways[0].replicas = 1.5)), [`EastWestGateway "gw-east"`, "replicas", "whole number"]],
    [
        "a malformed annotation key",
        edit((t) => (t.gateways[0].serviceAnnotations = { "lb type": "nlb" })),
        [`EastWestGateway "gw-east"`, `serviceAnnotations["lb type"]`, "not a valid annotation key"],
    ],
    [
        "a pod annotation the gateway's injection sets",
        edit((t) => (t.gateways[0].podAnnotations = { "sidecar.istio.io/inject": "false" })),
        [`EastWestGateway "gw-east"`, `podAnnotations["sidecar.istio.io/inject"]`, "set by the gateway itself", "remove it"],
    ],
    [
        "an invalid user address",
        edit((t) => (t.gateways[1].address = "203.0.113.256")),
        [`EastWestGateway "gw-west"`, "address", "not a valid IPv4 or IPv6 address"],
    ],
    [
        "an address timeout of 0",
        edit((t) => (t.gateways[1].addressTimeoutSeconds = 0)),
        [`EastWestGateway "gw-west"`, "addressTimeoutSeconds", "at least 1"],
    ],
    [
        "a member without gateways",
        edit((t) => (t.interconnect!.members[1].gateways = [])),
        [`Interconnect "mesh-bad"`, `members[1] ("west").gateways`, "at least one EastWestGateway"],
    ],
    [
        "a member with a foreign gateway",
        edit((t) => (t.interconnect!.members[1].gateways = ["gw-east"])),
        [`Interconnect "mesh-bad"`, `members[1] ("west").gateways[0]`, `belongs to network group "east"`, "list it under its own group"],
    ],
    [
        "a member with an unknown address",
        edit((t) => (t.interconnect!.members[1].addresses = ["198.51.100.1"])),
        [`Interconnect "mesh-bad"`, `members[1] ("west").addresses[0]`, "not the address of any of its gateways", "pick one of them"],
    ],
    [
        "a group listed twice",
        edit((t) => t.interconnect!.members.push({ group: "east", gateways: ["gw-east"] })),
        [`Interconnect "mesh-bad"`, "members[2]", "listed twice", "list each group once"],
    ],
    [
        "an unknown restart policy",
        edit((t) => (t.interconnect!.controlPlaneRestart = "always" as any)),
        [`Interconnect "mesh-bad"`, "controlPlaneRestart"],
    ],
    [
        "an invalid Istio cluster ID",
        edit((t) => (t.clusters[1].clusterId = "Cluster 2")),
        [`MultiNetworking "mesh-bad"`, "clusters[1].clusterId", "DNS-1123"],
    ],
    [
        "two clusters with one Istio cluster ID",
        edit((t) => (t.clusters[2].clusterId = c(2))),
        ["clusters[2].clusterId", `"cluster-2" is also the Istio cluster ID of "cluster-2"`, "must be unique"],
    ],
    [
        "a remote-secret server that is not an https URL",
        edit((t) => (t.clusters[1].remoteSecretServer = "10.0.0.1:6443")),
        ["clusters[1].remoteSecretServer", "must be an https URL"],
    ],
    [
        "an unknown remoteSecrets mode",
        edit((t) => (t.remoteSecrets = "istioctl" as any)),
        [`MultiNetworking "mesh-bad"`, "remoteSecrets", `"managed"`, `"external"`],
    ],
    [
        "a malformed proxy image",
        edit((t) => (t.gateways[0].proxyImage = "Istio Proxy")),
        [`EastWestGateway "gw-east"`, "proxyImage", "container image reference"],
    ],
    [
        "no clusters",
        edit((t) => ((t.clusters = []), (t.groups = []), (t.gateways = []), (t.interconnect = undefined))),
        [`MultiNetworking "mesh-bad"`, "clusters", "at least one cluster"],
    ],
];
