// Every example as CI runs it on the bed: type-check, preview, up, a second preview with no changes, destroy.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { clusterId, eventually, istiodClusters, istiodStarts, networkGateways, settle } from "../helpers/istio";
import { errors, Install, Live, quickstartInstall, warnings } from "../../bed/topology";
import { Stack } from "../../bed/stack";
import { yamlQuickstartConfig } from "../helpers/yamlQuickstart";

const examples = path.join(__dirname, "..", "..", "examples");
const live = new Live();

async function lifecycle(
    name: string,
    networks: Install,
    between?: (stack: Stack) => Promise<void>,
    config: Parameters<Stack["init"]>[0] = {},
): Promise<string[]> {
    await live.install(networks);
    const dir = path.join(examples, name);
    if (fs.existsSync(path.join(dir, "tsconfig.json")))
        execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(dir, "tsconfig.json"), "--noEmit"], {
            stdio: "pipe",
        });
    const stack = new Stack(dir, name);
    try {
        await stack.init(config);
        const first = await stack.preview();
        expect(first.changeSummary?.create).toBeGreaterThan(0);
        await stack.up();
        const again = await stack.preview();
        expect(again.changeSummary).toEqual({ same: expect.any(Number) });
        await between?.(stack);
        await stack.ok(["destroy", "--yes", "--skip-preview"]);
        return warnings(first);
    } finally {
        await stack.remove();
    }
}

/** The quickstart's groups: hosted and east-1 in "east", west-1 in "west", south-1 (a bed of four) in "south". */

/** The one warning of a first preview that joins groups: the control plane on cluster "hosted" restarts. */
const restartWarning = [
    expect.stringMatching(
        /^warning: this update restarts the mesh control plane: network\(s\) .* join the interconnect, so Deployment istio-system\/istiod on cluster "hosted" rolls once/,
    ),
];

test("quickstart: the first preview says the control plane restarts", async () => {
    expect(await lifecycle("quickstart", quickstartInstall)).toEqual(restartWarning);
});

test("yaml-quickstart: the Mesh component from Pulumi YAML; its preview warns alike, istiod reads its clusters and gateways", async () => {
    const said = await lifecycle(
        "yaml-quickstart",
        quickstartInstall,
        async (stack) => {
            const out = await stack.outputs();
            expect(out.interconnected).toEqual(["east", "west"]);
            expect(out.gatewayAddresses["west-1"]).toBe("203.0.113.7");
            expect(out.gatewayRule).toBe("istio-system/cross-network-gateway");
            // Cluster IDs: istiod's own, then the clusters' names (the example sets no clusterId for them).
            const ids = [clusterId(1), "east-1", "west-1"];
            await eventually(async () => expect(await istiodClusters()).toEqual(Object.fromEntries(ids.map((id) => [id, "synced"]))));
            await eventually(async () =>
                expect((await networkGateways()).map((g) => [g.network, g.address, g.port])).toEqual([
                    ["east", out.gatewayAddresses["east-1"], 15443],
                    ["west", "203.0.113.7", 15443],
                ]),
            );
            const state = await stack.exportState();
            const tokens = Object.values(yamlQuickstartConfig()).flatMap((c) => (c.secret ? [c.value.match(/token: (\S+)/)![1]] : []));
            expect(tokens).toHaveLength(3);
            for (const token of tokens) expect(state).not.toContain(token);
        },
        yamlQuickstartConfig(),
    );
    expect(said).toEqual(restartWarning);
});

test("overlapping-cidrs: fine in two groups, refused at preview in one", () =>
    lifecycle("overlapping-cidrs", { 1: ["blue-net"], 2: ["green-net", "green"] }, async (stack) => {
        const writes = [1, 2].map((c) => live.auditWrites(c));
        await stack.ok(["config", "set", "oneGroup", "true"]);
        const refused = await stack.preview();
        expect(errors(refused).join("\n")).toContain(
            `NetworkGroup "all": clusters: Pod CIDRs overlap: "blue" has 10.42.0.0/16 and "green" has 10.42.0.0/16`,
        );
        expect([1, 2].map((c) => live.auditWrites(c))).toEqual(writes);
        await stack.ok(["config", "rm", "oneGroup"]);
    }));

test("move-cluster: the preview warns about sidecars, not about the control plane; the gateway keeps its address", () =>
    lifecycle("move-cluster", { 1: ["east"], 2: ["west", "b"], 3: ["west", "c"] }, async (stack) => {
        const before = (await stack.outputs()).cGatewayAddress;
        const starts = istiodStarts();
        // The owner of cluster "c" changes its install's network first (the preview refuses the move otherwise).
        await live.setInjectionNetwork(3, "east", "c");
        await stack.ok(["config", "set", "moveC", "true"]);
        const said = warnings(await stack.preview());
        expect(said).toEqual([expect.stringContaining(`cluster "c" moves from network "west" to "east"`)]);
        await stack.up();
        expect((await stack.outputs()).cGatewayAddress).toBe(before);
        await settle();
        expect(istiodStarts()).toBe(starts);
    }));

test("gateway-address: an address update restarts nothing", () =>
    lifecycle("gateway-address", { 1: ["east-net"], 2: ["west-net", "west"] }, async (stack) => {
        const starts = istiodStarts();
        await stack.ok(["config", "set", "westAddress", "203.0.113.51"]);
        expect(warnings(await stack.preview())).toEqual([]);
        await stack.up();
        await settle();
        expect(istiodStarts()).toBe(starts);
        expect(JSON.stringify(await live.meshNetworks())).toContain("203.0.113.51");
    }));
