import { classifyInterconnect, movesInto, restartWarning } from "../../core/changes";

const m = (networkName: string, addresses = ["203.0.113.1"]) => ({ networkName, addresses });

test.each([
    ["first join", [], [m("a"), m("b")], { joined: ["a", "b"], left: [], changed: [], restartsControlPlane: true }],
    ["join and leave at once", [m("a"), m("b")], [m("a"), m("c")], { joined: ["c"], left: ["b"], changed: [], restartsControlPlane: true }],
    ["address change", [m("a")], [m("a", ["203.0.113.2"])], { joined: [], left: [], changed: ["a"], restartsControlPlane: false }],
    [
        "a gateway added",
        [m("a")],
        [m("a", ["203.0.113.1", "203.0.113.9"])],
        { joined: [], left: [], changed: ["a"], restartsControlPlane: false },
    ],
    [
        "no-op, order ignored",
        [m("a", ["203.0.113.1", "203.0.113.2"])],
        [m("a", ["203.0.113.2", "203.0.113.1"])],
        { joined: [], left: [], changed: [], restartsControlPlane: false },
    ],
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

test("a move is a cluster arriving labelled with another network; unlabelled or same-network clusters are not", () => {
    expect([...movesInto("east", ["x", "y", "z"], { x: "west", y: "east", z: undefined })]).toEqual([["x", "west"]]);
});
