import { annotations } from "../../core/names";
import { planMesh } from "../../core/planner";
import { syntheticMesh as mesh } from "../../bed/syntheticMesh";
import { groupProblems } from "../../core/rules";

test("a valid mesh: objects per cluster (reader access in every cluster but the control plane's), one entry per group, everything joins", () => {
    const plan = planMesh(mesh(3));
    expect(plan.problems).toEqual([]);
    expect(plan.objects.get("c1")!.map((o) => o.kind)).toEqual(["Gateway", "Namespace"]);
    expect(plan.objects.get("c2")!.map((o) => o.kind)).toEqual([
        "ClusterRole",
        "ClusterRoleBinding",
        "Secret",
        "Namespace",
        "ServiceAccount",
        "Deployment",
        "Service",
    ]);
    expect(Object.keys(plan.meshNetworks)).toEqual(["g1", "g2", "g3"]);
    expect(plan.interconnect.joining).toEqual(["g1", "g2", "g3"]);
});

test("a move and a leave against the previous topology", () => {
    const before = mesh(3);
    const after = mesh(3);
    after.groups[0].clusters = ["c2"];
    after.groups[1].clusters.push("c1");
    after.clusters[0].podCidrs = ["10.99.0.0/16"];
    after.interconnect!.members = after.interconnect!.members.slice(0, 2);
    const plan = planMesh(after, before);
    expect(plan.problems).toEqual([]);
    expect([...plan.moves]).toEqual([["c1", "g1"]]);
    expect(plan.interconnect).toMatchObject({ joining: [], leaving: ["g3"], restartsControlPlane: true });
    // The names before 0.3 still read the same.
    expect(plan.interconnect).toMatchObject({ joined: [], left: ["g3"] });
});

test("problems are the components' own: a cluster in two groups, overlapping CIDRs, a member without gateways", () => {
    const t = mesh(2);
    t.groups[1].clusters.push("c1");
    t.clusters[2].podCidrs = ["10.0.0.0/8"];
    t.interconnect!.members[1] = { networkName: "g2", gateways: [] };
    const groupRules = groupProblems(t.groups[1], t.clusters, [t.groups[0]]).map((p) => `NetworkGroup "g2": ${p}`);
    expect(groupRules).toHaveLength(3);
    expect(planMesh(t).problems).toEqual([
        ...groupRules,
        `Interconnect: members[1] ("g2").gateways: a network group joins the interconnect only through at least one EastWestGateway; ` +
            `create one on a member cluster and list it`,
    ]);
    expect(groupRules[0]).toContain(`"c1" already belongs to network group "g1"`);
    expect(groupRules[1]).toContain(`Pod CIDRs overlap: "c3" has 10.0.0.0/8 and "c4" has 10.0.3.0/24`);
});

test("the plan's meshNetworks lists every group, joined or not", () => {
    const t = mesh(3);
    t.interconnect!.members = t.interconnect!.members.slice(0, 1);
    expect(planMesh(t).meshNetworks).toEqual({
        g1: { gateways: [{ address: "198.18.0.1", port: 15443 }] },
        g2: { gateways: [{ address: "100::", port: 15443 }] },
        g3: { gateways: [{ address: "100::", port: 15443 }] },
    });
});

test("the components' argument rules too: names, replicas, addresses, policy; names that point nowhere", () => {
    const t = mesh(2);
    t.groups[0].networkName = "G_1";
    t.gateways[1].replicas = 0;
    t.gateways[1].requestedAddress = "100::7";
    t.interconnect!.members[1].gateways.push("gw-nowhere");
    t.interconnect!.controlPlaneRestart = "always" as never;
    t.gateways.push({ name: "gw-lost", cluster: "c1", networkName: "g9", replicas: 1, serviceAnnotations: {} });
    const problems = planMesh(t).problems;
    for (const expected of [
        /^NetworkGroup "G_1": networkName: must be a DNS-1123 label/,
        /^EastWestGateway "gw-g2": replicas: must be at least 1/,
        /^EastWestGateway "gw-g2": address: is in 100::\/64/,
        /^EastWestGateway "gw-lost": networkGroup: no network group "g9" is declared/,
        /^Interconnect: controlPlaneRestart: /,
        /^Interconnect: members\[1\] \("g2"\)\.gateways\[1\]: no east-west gateway "gw-nowhere" is declared/,
    ])
        expect(problems).toContainEqual(expect.stringMatching(expected));
});

test("objects carry the owner value the components stamp: <project>/<stack>/<mesh>", () => {
    for (const objects of planMesh(mesh(1)).objects.values())
        for (const o of objects) expect(o.metadata.annotations?.[annotations.owner]).toBe("p/s/m");
});
