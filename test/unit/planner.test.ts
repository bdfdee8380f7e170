import { MeshTopology, planMesh } from "../../core/planner";

function mesh(groups: number): MeshTopology {
    const clusters = Array.from({ length: groups * 2 }, (_, i) => ({ name: `c${i + 1}`, podCidrs: [`10.${Math.floor(i / 2)}.${(i % 2) * 128}.0/17`] }));
    const gs = Array.from({ length: groups }, (_, g) => ({ networkName: `g${g + 1}`, clusters: [`c${2 * g + 1}`, `c${2 * g + 2}`] }));
    return {
        meshId: "m",
        owner: "p/s",
        controlPlane: { cluster: "c1", namespace: "istio-system" },
        clusters,
        groups: gs,
        gateways: gs.map((g) => ({ name: `gw-${g.networkName}`, cluster: g.clusters[1], network: g.networkName, replicas: 1, serviceAnnotations: {} })),
        interconnect: { members: gs.map((g) => ({ network: g.networkName, clusters: g.clusters, addresses: ["203.0.113.1"] })), controlPlaneRestart: "onMembershipChange" },
    };
}

test("a valid mesh: objects per cluster, one entry per group, everything joins", () => {
    const plan = planMesh(mesh(3));
    expect(plan.problems).toEqual([]);
    expect(plan.objects.get("c1")!.map((o) => o.kind)).toEqual(["Gateway", "Namespace"]);
    expect(plan.objects.get("c2")!.map((o) => o.kind)).toEqual(["Namespace", "ServiceAccount", "Deployment", "Service"]);
    expect(Object.keys(plan.meshNetworks)).toEqual(["g1", "g2", "g3"]);
    expect(plan.interconnect.joined).toEqual(["g1", "g2", "g3"]);
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
    expect([...plan.moves]).toEqual([["c1", "g2"]]);
    expect(plan.interconnect).toMatchObject({ joined: [], left: ["g3"], restartsControlPlane: true });
});

test("problems: a cluster in two groups, overlapping CIDRs", () => {
    const t = mesh(2);
    t.groups[1].clusters.push("c1");
    t.clusters[2].podCidrs = ["10.0.0.0/8"];
    expect(planMesh(t).problems).toEqual([
        `NetworkGroup "g2": "c1" already belongs to network group "g1"`,
        `NetworkGroup "g2": Pod CIDRs overlap: "c3" has 10.0.0.0/8 and "c4" has 10.1.128.0/17`,
        `NetworkGroup "g2": Pod CIDRs overlap: "c3" has 10.0.0.0/8 and "c1" has 10.0.0.0/17`,
    ]);
});
