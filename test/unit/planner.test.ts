import { MeshTopology, planMesh } from "../../core/planner";
import { groupProblems } from "../../core/validate";

function mesh(groups: number): MeshTopology {
    const clusters = Array.from({ length: groups * 2 }, (_, i) => ({
        name: `c${i + 1}`,
        podCidrs: [`10.${Math.floor(i / 2)}.${(i % 2) * 128}.0/17`],
    }));
    const gs = Array.from({ length: groups }, (_, g) => ({ networkName: `g${g + 1}`, clusters: [`c${2 * g + 1}`, `c${2 * g + 2}`] }));
    return {
        meshId: "m",
        owner: "p/s",
        controlPlane: { cluster: "c1", namespace: "istio-system" },
        clusters,
        groups: gs,
        gateways: gs.map((g) => ({
            name: `gw-${g.networkName}`,
            cluster: g.clusters[1],
            networkName: g.networkName,
            replicas: 1,
            serviceAnnotations: {},
        })),
        interconnect: {
            members: gs.map((g) => ({
                networkName: g.networkName,
                gateways: [`gw-${g.networkName}`],
                addresses: [`203.0.113.${g.networkName.slice(1)}`],
            })),
            controlPlaneRestart: "onMembershipChange",
        },
    };
}

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
    expect([...plan.moves]).toEqual([["c1", "g1"]]);
    expect(plan.interconnect).toMatchObject({ joined: [], left: ["g3"], restartsControlPlane: true });
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
    expect(groupRules[1]).toContain(`Pod CIDRs overlap: "c3" has 10.0.0.0/8 and "c4" has 10.1.128.0/17`);
});

test("the plan's meshNetworks lists every group, joined or not", () => {
    const t = mesh(3);
    t.interconnect!.members = t.interconnect!.members.slice(0, 1);
    expect(planMesh(t).meshNetworks).toEqual({
        g1: { gateways: [{ address: "203.0.113.1", port: 15443 }] },
        g2: { gateways: [{ address: "100::", port: 15443 }] },
        g3: { gateways: [{ address: "100::", port: 15443 }] },
    });
});
