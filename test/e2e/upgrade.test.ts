// Upgrading a stack made by the previous release (0.1.0, as `npm pack` made it: test/fixtures) to this one, with
// the same program: no resource is replaced or deleted (the dynamic resources' new type names carry aliases of
// the old one), `pulumi up` brings the cluster to the new model (one registration per gateway, no fromRegistry
// entries, remote secrets, a ledger per stack), and destroy leaves nothing.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Stack } from "../../bed/stack";
import { clusterName as c, Live } from "../../bed/topology";
import { labels } from "../../core/names";
import { eventually, istiodStarts, networkGateways, settle } from "../helpers/istio";

const live = new Live();
const ns = "/api/v1/namespaces/istio-system";
const repo = path.join(__dirname, "..", "..");
const work = path.join(repo, "test", ".work", "upgrade");
const installed = path.join(work, "node_modules", "pulumi-multinet");

// The same program for both releases: only the API both have.
const program = `import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as multinet from "pulumi-multinet";
const bed = process.env.MULTINET_BED_KUBECONFIGS!.split(":");
const kubeconfig = (n: number) => pulumi.secret(fs.readFileSync(bed[n - 1], "utf8"));
const mn = new multinet.MultiNetworking("mesh-up", {
    meshId: "mesh-up",
    controlPlane: { cluster: "${c(1)}" },
    clusters: [1, 2, 3].map((n) => ({ name: "cluster-" + n, kubeconfig: kubeconfig(n), podCidrs: ["10." + n + ".0.0/16"] })),
});
const east = new multinet.NetworkGroup("east", { multiNetworking: mn, clusters: ["${c(1)}", "${c(2)}"] });
const west = new multinet.NetworkGroup("west", { multiNetworking: mn, clusters: ["${c(3)}"] });
const gwEast = new multinet.EastWestGateway("gw-east", { networkGroup: east, cluster: "${c(2)}" });
const gwWest = new multinet.EastWestGateway("gw-west", { networkGroup: west, cluster: "${c(3)}", address: "203.0.113.150" });
new multinet.Interconnect("mesh-up", { multiNetworking: mn, members: [{ networkGroup: east, gateways: [gwEast] }, { networkGroup: west, gateways: [gwWest] }] });
export const eastAddress = gwEast.address;
`;

function install(release: "0.1.0" | "this"): void {
    fs.rmSync(installed, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(installed), { recursive: true });
    if (release === "this") {
        fs.symlinkSync(repo, installed);
    } else {
        fs.mkdirSync(installed);
        execFileSync("tar", [
            "-xzf",
            path.join(repo, "test", "fixtures", "pulumi-multinet-0.1.0.tgz"),
            "-C",
            installed,
            "--strip-components=1",
        ]);
    }
}

describe("upgrade from 0.1.0", () => {
    let stack: Stack;
    beforeAll(() => {
        fs.rmSync(work, { recursive: true, force: true });
        fs.mkdirSync(work, { recursive: true });
        fs.writeFileSync(path.join(work, "Pulumi.yaml"), "name: multinet-upgrade\nruntime: nodejs\nmain: index.ts\n");
        // A package of its own, as a user's program is: inside this repository "pulumi-multinet" would otherwise
        // resolve to the repository itself, whatever node_modules holds.
        fs.writeFileSync(path.join(work, "package.json"), JSON.stringify({ name: "multinet-upgrade", private: true }));
        fs.writeFileSync(path.join(work, "index.ts"), program);
        install("0.1.0");
        stack = new Stack(work, "upgrade");
    });
    afterAll(async () => {
        await stack.remove();
        fs.rmSync(work, { recursive: true, force: true });
    });

    test("0.1.0 deploys the program, its way: a labelled gateway Service, fromRegistry entries, no remote secrets", async () => {
        await stack.init({});
        await stack.up();
        const state = JSON.parse(await stack.exportState());
        expect(state.deployment.resources.filter((r: any) => r.type === "pulumi-nodejs:dynamic:Resource")).toHaveLength(6);
        expect((await live.get(2, `${ns}/services/istio-eastwestgateway`)).metadata.labels[labels.network]).toBe("east");
        expect((await live.meshConfigMap()).data.meshNetworks).toContain(`fromRegistry: ${c(2)}`);
        expect(await live.get(1, `${ns}/secrets/istio-remote-secret-${c(2)}`)).toBeUndefined();
    });

    test("this release takes the stack over in place: aliases keep every resource, only remote secrets are new", async () => {
        install("this");
        const preview = await stack.preview();
        // "op type::name", the type without its parents
        const ops = preview.steps
            .filter((s) => s.op !== "same")
            .map((s) => `${s.op} ${s.urn.split("::").slice(-2).join("::").split("$").pop()}`);
        expect(ops.filter((o) => /^(replace|delete|create-replacement|delete-replaced)/.test(o))).toEqual([]);
        expect(ops.filter((o) => o.startsWith("create")).sort()).toEqual([
            `create pulumi-nodejs:dynamic/multinet:RemoteSecret::mesh-up-remote-secret-${c(2)}`,
            `create pulumi-nodejs:dynamic/multinet:RemoteSecret::mesh-up-remote-secret-${c(3)}`,
        ]);
    });

    test("pulumi up brings the clusters to this release's model without restarting the control plane; destroy leaves nothing", async () => {
        const starts = istiodStarts();
        await stack.up();
        await settle();
        expect(istiodStarts()).toBe(starts);
        const state = JSON.parse(await stack.exportState());
        expect(state.deployment.resources.filter((r: any) => r.type === "pulumi-nodejs:dynamic:Resource")).toEqual([]);
        expect((await live.get(2, `${ns}/services/istio-eastwestgateway`)).metadata.labels[labels.network]).toBeUndefined();
        const cm = await live.meshConfigMap();
        expect(cm.data.meshNetworks).not.toContain("fromRegistry");
        expect(Object.keys(cm.metadata.annotations ?? {}).filter((k) => k.startsWith("multinet.pulumi.io/"))).toEqual([
            expect.stringMatching(/^multinet\.pulumi\.io\/ledger\./),
        ]);
        await eventually(async () => {
            const table = await networkGateways();
            expect(table.map((g) => `${g.network} ${g.address}`)).toEqual([
                `east ${(await stack.run(["stack", "output", "eastAddress"])).stdout.trim()}`,
                "west 203.0.113.150",
            ]);
        });
        expect(await live.get(1, `${ns}/secrets/istio-remote-secret-${c(2)}`)).toBeDefined();

        await stack.ok(["destroy", "--yes", "--skip-preview"]);
        expect((await live.meshConfigMap()).data.meshNetworks).toBeUndefined();
        expect(await live.get(1, `${ns}/secrets/istio-remote-secret-${c(2)}`)).toBeUndefined();
        expect(await live.get(2, `${ns}/services/istio-eastwestgateway`)).toBeUndefined();
        expect((await live.namespaceLabels(3))[labels.network]).toBeUndefined();
    });
});
