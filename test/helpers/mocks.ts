// Programs without an engine (pulumi.runtime.setMocks), as test/unit/components.test.ts runs them: every resource
// is registered with its inputs as its state, and the components' preview reads go to in-memory clusters. Each test
// waits for the warning tasks it started, so that none outlives the file.
import * as pulumi from "@pulumi/pulumi";
import { clearFakeClusters, FakeCluster, istioCluster } from "./fakeCluster";

export interface Mocked {
    /** `type name` of each resource registered by the current test. */
    registered: string[];
    /** What the current test's components warned. */
    warned: string[];
    /** The in-memory clusters of the current test, by name. */
    clusters: Map<string, FakeCluster>;
}

/** Sets the mocks for a test file; `clusters`: the names its programs declare, `controlPlane` the one running istiod. */
export function useMocks(clusters: string[], controlPlane: string): Mocked {
    const m: Mocked = { registered: [], warned: [], clusters: new Map() };
    beforeAll(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    m.registered.push(`${args.type} ${args.name}`);
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call: (args) => args.inputs,
            },
            "proj",
            "dev",
            true,
        );
        // @pulumi/pulumi 3.259's mock monitor lacks the RPC to register a resource hook (see components.test.ts).
        const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
        monitor.registerResourceHook ??= (_req: unknown, callback: (err: Error | null, res: unknown) => void) => callback(null, {});
        jest.spyOn(console, "warn").mockImplementation((w) => void m.warned.push(String(w)));
    });
    beforeEach(() => {
        m.registered.length = 0;
        m.warned.length = 0;
        clearFakeClusters();
        m.clusters = new Map(clusters.map((n) => [n, istioCluster(n, { controlPlane: n === controlPlane })]));
    });
    afterEach(() => settle());
    return m;
}

/** Waits until every task the program started (registrations, warning reads) is done. */
export function settle(): Promise<void> {
    return require("@pulumi/pulumi/runtime/settings").waitForRPCs();
}
