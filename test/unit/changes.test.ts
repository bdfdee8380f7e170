import { classifyInterconnect, largeMesh, movesInto, moveWarning, planRestart, restartWarning, rotationWarning } from "../../core/changes";
import { remoteAccess } from "../../core/names";

const m = (networkName: string, addresses = ["203.0.113.1"]) => ({ networkName, addresses });

test.each([
    ["first join", [], [m("a"), m("b")], { joining: ["a", "b"], leaving: [], changed: [], restartsControlPlane: true }],
    [
        "join and leave at once",
        [m("a"), m("b")],
        [m("a"), m("c")],
        { joining: ["c"], leaving: ["b"], changed: [], restartsControlPlane: true },
    ],
    ["address change", [m("a")], [m("a", ["203.0.113.2"])], { joining: [], leaving: [], changed: ["a"], restartsControlPlane: false }],
    [
        "a gateway added",
        [m("a")],
        [m("a", ["203.0.113.1", "203.0.113.9"])],
        { joining: [], leaving: [], changed: ["a"], restartsControlPlane: false },
    ],
    [
        "no-op, order ignored",
        [m("a", ["203.0.113.1", "203.0.113.2"])],
        [m("a", ["203.0.113.2", "203.0.113.1"])],
        { joining: [], leaving: [], changed: [], restartsControlPlane: false },
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

describe("a restart an interrupted update recorded and did not do", () => {
    const live = { joined: ["a"], owedRestart: "2026-01-02T00:00:00Z", lastRestart: "2026-01-01T00:00:00Z" };

    test("is owed and done once, with a warning that gives no advice the program cannot follow", () => {
        const plan = planRestart(live, ["a"], "onMembershipChange");
        expect(plan).toMatchObject({ owed: true, restartsControlPlane: true, joining: [], leaving: [] });
        const w = restartWarning(plan, "istiod", "istio-system", "hosted")!;
        expect(w).toContain("an earlier update was interrupted before the restart it recorded");
        expect(w).not.toContain("controlPlaneRestart");
    });

    test('is not owed once the policy is "never"', () => {
        expect(planRestart(live, ["a"], "never")).toMatchObject({ owed: false, restartsControlPlane: false });
    });

    test("is not owed once done (istiod carries its stamp)", () => {
        expect(planRestart({ ...live, lastRestart: live.owedRestart }, ["a"], "onMembershipChange").owed).toBe(false);
    });
});

test("a removed Interconnect's warning says so instead of advising a setting on it", () => {
    const w = restartWarning(planRestart({ joined: ["a"] }, [], "onMembershipChange"), "istiod", "istio-system", "hosted", true)!;
    expect(w).toMatch(/network\(s\) "a" leave the interconnect, .* rolls once\. \(The Interconnect was removed from the program\.\)$/);
    expect(w).not.toContain("controlPlaneRestart");
});

test("a move is a cluster arriving labelled with another network; unlabelled or same-network clusters are not", () => {
    expect([...movesInto("east", ["x", "y", "z"], { x: "west", y: "east", z: undefined })]).toEqual([["x", "west"]]);
});

test("a rotation says what it does and that nothing restarts; its token gets a name of its own", () => {
    expect(rotationWarning("west-1", "", "2026-12")).toMatch(
        /^the reader token istiod uses for cluster "west-1" rotates \("" to "2026-12"\): a new token is made and proven .* then is the old token revoked\. Nothing restarts\.$/,
    );
    expect(remoteAccess.tokenSecret("m")).toBe("istio-reader-m-token");
    expect(remoteAccess.tokenSecret("m", "2026-12")).toMatch(/^istio-reader-m-token-[0-9a-f]{8}$/);
    expect(remoteAccess.tokenSecret("m", "2026-12")).not.toBe(remoteAccess.tokenSecret("m", "2027-01"));
});

test("a move's warning is given only where the injector gives Pods a network", () => {
    expect(moveWarning("c", "west", "east", false)).toBeUndefined();
    expect(moveWarning("c", "west", "east", true)).toMatch(/Pods injected before keep "west" .* Restart the workloads on "c"/);
});

test("the restart warning states the restart's sync cost from a large mesh on, and only there", () => {
    const change = classifyInterconnect([], [m("a")], "onMembershipChange");
    const small = restartWarning(change, "istiod", "istio-system", "hosted", false, largeMesh - 1)!;
    const large = restartWarning(change, "istiod", "istio-system", "hosted", false, 31)!;
    expect(small).not.toContain("afresh");
    expect(large).toBe(
        small.replace(
            " Set controlPlaneRestart",
            " The new istiod then reads its 31 remote clusters afresh before it serves their endpoints: the bench measured them " +
                "unsynced for about 2 to 3.5 s from 8 to 32 clusters (2 cores); clusters with many Services take longer. Set controlPlaneRestart",
        ),
    );
});
