// Bad input the SDK refuses, run under mocks: each case of test/helpers/badInput.ts, built by the bed's topology
// program's own builder (bed/programs/topology/build.ts), is refused by a component's constructor with a message naming
// the resource, the field and the fix. A refusal there ends the program before the engine gets the refused resource:
// its dynamic resource is never registered, so no provider runs, and the program's own reads of the clusters (the
// preview's warnings) write nothing. On the bed (test/e2e/bad-input.test.ts) one such case is run with the real
// engine, where the API servers' audit logs show that nothing is written.
import * as pulumi from "@pulumi/pulumi";
import type * as Sdk from "../../sdk";
import { buildTopology } from "../../bed/programs/topology/build";
import type { Topology } from "../../bed/topology";
import { good, sdkCases } from "../helpers/badInput";
import { settle, useMocks } from "../helpers/mocks";

const mocked = useMocks(["cluster-1", "cluster-2", "cluster-3"], "cluster-1");

// Loaded after the mocks are set, as components.test.ts does.
const multinet = () => require("../../sdk") as typeof Sdk;

/** What bed/programs/topology/index.ts declares for topology `t` (its kubeconfigs: secrets, one per cluster). */
const program = (t: Topology) => buildTopology(multinet(), t, (name) => pulumi.secret(`kubeconfig of ${name}`));

/** The dynamic resources (what providers run for) registered so far, as `Kind name`. */
const dynamic = () => mocked.registered.filter((r) => r.startsWith("pulumi-nodejs:dynamic/")).map((r) => r.replace(/^\S+:(\w+) /, "$1 "));

test("the good topology is accepted: every component and dynamic resource is registered", async () => {
    program(good);
    await settle();
    expect(dynamic().sort()).toEqual([
        "EastWestGateway gw-east",
        "EastWestGateway gw-west",
        "GatewayRule mesh-bad-gateway-rule",
        "Interconnect mesh-bad",
        "NetworkGroup east",
        "NetworkGroup west",
        "RemoteSecret mesh-bad-remote-secret-cluster-2",
        "RemoteSecret mesh-bad-remote-secret-cluster-3",
    ]);
});

describe("bad input is refused by a component's constructor, before the engine gets the resource", () => {
    test.each(sdkCases)("%s", async (_name, topology, expected) => {
        let error: unknown;
        try {
            program(topology);
        } catch (e) {
            error = e;
        }
        expect(pulumi.ResourceError.isInstance(error)).toBe(true);
        // Shown by the preview as the message alone, on the resource it names.
        expect((error as pulumi.ResourceError).hideStack).toBe(true);
        const message = (error as Error).message;
        for (const e of expected) expect(message).toContain(e);
        await settle();
        // The resource the message names registered its component, and no dynamic resource: no provider runs for it.
        const [, kind, name] = /^(\w+) "([^"]+)": /.exec(message) ?? [];
        expect(mocked.registered).toContain(`multinet:index:${kind} ${name}`);
        if (kind === "MultiNetworking") expect(dynamic()).toEqual([]);
        else expect(dynamic()).not.toContain(`${kind} ${name}`);
        // The program's own reads of the clusters (the preview's warnings of the components before it) wrote nothing.
        expect([...mocked.clusters.values()].flatMap((c) => c.writes)).toEqual([]);
    });
});
