import { classifyInterconnect, movedClusters, restartWarning } from "../../core/changes";

const m = (network: string, clusters = ["c"], addresses = ["203.0.113.1"]) => ({ network, clusters, addresses });

test.each([
    ["first join", [], [m("a"), m("b")], { joined: ["a", "b"], left: [], changed: [], restartsControlPlane: true }],
    ["join and leave at once", [m("a"), m("b")], [m("a"), m("c")], { joined: ["c"], left: ["b"], changed: [], restartsControlPlane: true }],
    ["address change", [m("a")], [m("a", ["c"], ["203.0.113.2"])], { joined: [], left: [], changed: ["a"], restartsControlPlane: false }],
    ["cluster added", [m("a")], [m("a", ["c", "d"])], { joined: [], left: [], changed: ["a"], restartsControlPlane: false }],
    ["no-op, order ignored", [m("a", ["x", "y"])], [m("a", ["y", "x"])], { joined: [], left: [], changed: [], restartsControlPlane: false }],
])("%s", (_name, before, after, expected) => {
    expect(classifyInterconnect(before, after, "onMembershipChange")).toEqual(expected);
});

test('"never" never restarts, and then nothing is said', () => {
    const change = classifyInterconnect([], [m("a")], "never");
    expect(change.restartsControlPlane).toBe(false);
    expect(restartWarning(change, "istiod", "istio-system", "hosted")).toBeUndefined();
});

test("the warning names the networks and the Deployment", () => {
    const w = restartWarning(classifyInterconnect([m("a")], [m("b")], "onMembershipChange"), "istiod", "istio-system", "hosted");
    expect(w).toContain(`network(s) "b" join and network(s) "a" leave`);
    expect(w).toContain(`Deployment istio-system/istiod on cluster "hosted" rolls once`);
});

test("a move is a cluster leaving one group for another; leaving for nowhere is not", () => {
    const groupsNow = [{ networkName: "east", clusters: ["x", "y"] }, { networkName: "west", clusters: ["w"] }];
    expect([...movedClusters("west", ["w", "y", "z"], ["w"], groupsNow)]).toEqual([["y", "east"]]);
});
