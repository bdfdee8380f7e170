// Bad input: every case is refused during `pulumi preview` with a message naming the resource, the field and
// the fix, and the API servers' audit logs show no write caused by it. The cases the SDK refuses in a component's
// constructor run under mocks (test/unit/badInput.test.ts); here, with the real engine, run the cases that need a
// cluster read (istiod's CLUSTER_ID, the kubeconfigs) and one the SDK refuses, which proves that such a refusal
// writes nothing.
import * as fs from "fs";
import { readState } from "../../bed/bed";
import { clusterId } from "../helpers/istio";
import { edit, good, sdkCases } from "../helpers/badInput";
import { clusterName as c, errors, Live, Topology, TopologyStack } from "../../bed/topology";

const live = new Live();

// [case, topology, substrings the error must contain (resource, field, fix)]
const cases: [string, Topology, string[]][] = [
    sdkCases.find(([name]) => name === "overlapping CIDRs in one group")!,
    [
        "a control-plane cluster ID that istiod does not have",
        edit((t) => (t.clusters[0].clusterId = "hub")),
        [
            `istiod (Deployment istio-system/istiod on cluster "cluster-1") runs with CLUSTER_ID "${clusterId(1)}"`,
            `Istio cluster ID "hub"`,
            `set clusterId: "${clusterId(1)}" on cluster "cluster-1"`,
        ],
    ],
];

// [case, replacement kubeconfig for cluster-2, substrings]
const kubeconfigCases: [string, () => string, string[]][] = [
    [
        "a kubeconfig that does not parse",
        () => "apiVersion: v1\nclusters: [unterminated",
        [`cluster "cluster-2"`, "kubeconfig does not parse", "valid kubeconfig"],
    ],
    [
        "a kubeconfig that points nowhere",
        () => fs.readFileSync(readState()!.clusters[1].kubeconfig, "utf8").replace(/server: .*/, "server: https://127.0.0.1:9"),
        [`cluster "cluster-2"`, "cannot reach the API server at https://127.0.0.1:9", "check that the cluster is up"],
    ],
    [
        "a kubeconfig without permissions",
        () => fs.readFileSync(readState()!.clusters[1].viewerKubeconfig, "utf8"),
        [`cluster "cluster-2"`, "lacks permission to get Namespace", "grant it"],
    ],
];

function writesEverywhere(): number[] {
    return [1, 2, 3, 4].map((n) => live.auditWrites(n));
}

describe("bad input is refused at preview, nothing written", () => {
    const stack = new TopologyStack("bad");
    beforeAll(() => stack.create(3));
    afterAll(() => stack.remove());

    test.each(cases)("%s", async (_name, topology, expected) => {
        const before = writesEverywhere();
        const preview = await stack.previewOf(topology);
        const message = errors(preview).join("\n");
        for (const e of expected) expect(message).toContain(e);
        expect(preview.steps.filter((s) => s.op !== "same" && s.op !== "create" && s.op !== "update")).toEqual([]);
        expect(writesEverywhere()).toEqual(before);
    });

    test.each(kubeconfigCases)("%s", async (_name, kubeconfig, expected) => {
        const state = readState()!;
        const kubeconfigs = Object.fromEntries(state.clusters.slice(0, 3).map((cl) => [cl.name, fs.readFileSync(cl.kubeconfig, "utf8")]));
        kubeconfigs[c(2)] = kubeconfig();
        await stack.ok(["config", "set", "--secret", "kubeconfigs", "--", JSON.stringify(kubeconfigs)]);
        const before = writesEverywhere();
        const preview = await stack.previewOf(good);
        const message = errors(preview).join("\n");
        for (const e of expected) expect(message).toContain(e);
        expect(writesEverywhere()).toEqual(before);
    });
});
