// The package as Pulumi users install it (docs/installation-configuration.md). A clone of this repository in a
// temporary folder (nothing built, no node_modules) is added with `pulumi package add <clone>/plugin` to new YAML and
// TypeScript projects whose programs are the docs' examples (docs/_index.md): the first preview says what the docs
// say, up makes istiod read every cluster and serve both gateways, a second preview changes nothing, destroy; setup
// changes no tracked file of the clone. Then a git host on loopback serves the repository and the YAML project adds
// the package by URL at its release tag, as `pulumi package add github.com/...@v0.3.0` does.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import YAML from "yaml";
import { bedEnv } from "../../bed/bed";
import { Stack } from "../../bed/stack";
import { docsExampleInstall, errors, Live, warnings } from "../../bed/topology";
import { example } from "../helpers/docs";
import { serveGit } from "../helpers/gitServer";
import { clusterId, eventually, istiodClusters, networkGateways } from "../helpers/istio";
import { yamlQuickstartConfig } from "../helpers/yamlQuickstart";

const repo = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "multinet-install-"));
const clone = path.join(work, "pulumi-multinet");
// The plugins the CLI installs from git go here, not into ~/.pulumi: every run clones anew.
process.env.PULUMI_HOME = path.join(work, "pulumi-home");

async function pulumi(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
    const r = await promisify(execFile)("pulumi", args, { cwd, env: { ...process.env, ...bedEnv(), ...env }, maxBuffer: 64 << 20 });
    return r.stdout + r.stderr;
}

const trackedChanges = () => execFileSync("git", ["-C", clone, "status", "--porcelain"], { encoding: "utf8" });

/**
 * The docs' example on the bed, installed as Istio's multi-network guide installs it (each cluster's injector gives
 * Pods its group's network; cluster 4 is not in the example): the first preview says what the docs show.
 */
async function firstPreview(stack: Stack): Promise<void> {
    const live = new Live();
    await live.install(docsExampleInstall);
    await stack.init(yamlQuickstartConfig());
    const first = await stack.preview();
    expect({ errors: errors(first), warnings: warnings(first) }).toEqual({ errors: [], warnings: [example("text").trim()] });
}

/** The docs' example's lifecycle: its first preview, then istiod's view after up, then nothing left to change. */
async function lifecycle(stack: Stack): Promise<void> {
    await firstPreview(stack);
    await stack.up();
    const out = await stack.outputs();
    expect(out.interconnected).toEqual(["east", "west"]);
    expect(out.gatewayAddresses["west-1"]).toBe("203.0.113.7");
    await eventually(async () =>
        expect(await istiodClusters()).toEqual({ [clusterId(1)]: "synced", "east-1": "synced", "west-1": "synced" }),
    );
    await eventually(async () =>
        expect((await networkGateways()).map((g) => [g.network, g.address, g.port])).toEqual([
            ["east", out.gatewayAddresses["east-1"], 15443],
            ["west", "203.0.113.7", 15443],
        ]),
    );
    expect((await stack.preview()).changeSummary).toEqual({ same: expect.any(Number) });
}

beforeAll(() => execFileSync("git", ["clone", "--quiet", repo, clone]));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("pulumi package add", () => {
    test("<fresh clone>/plugin in a new YAML project: the docs' example previews, ups, and istiod serves it", async () => {
        for (const built of ["dist", "node_modules", "plugin/node_modules", "plugin/lib", "plugin/index.js"])
            expect(fs.existsSync(path.join(clone, built))).toBe(false);
        const dir = path.join(work, "yaml");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), example("yaml"));

        expect(await pulumi(["package", "add", path.join(clone, "plugin")], dir)).toContain("Added package pulumi-multinet/multinet");
        expect(YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).packages).toEqual({
            multinet: path.join(clone, "plugin"),
        });
        // Pulumi's Node.js host installed the plugin's dependencies, whose prepare compiled it; git sees no change.
        expect(fs.existsSync(path.join(clone, "plugin", "lib", "sdk", "mesh.js"))).toBe(true);
        expect(trackedChanges()).toBe("");

        const stack = new Stack(dir, "install-yaml");
        try {
            await lifecycle(stack);
        } finally {
            await stack.remove();
        }
    });

    test("<fresh clone>/plugin in a new TypeScript project: its local SDK compiles the docs' example, which previews and ups", async () => {
        const dir = path.join(work, "typescript");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: multinet-quickstart-ts\nruntime: nodejs\n");
        const project = {
            name: "multinet-quickstart-ts",
            private: true,
            main: "index.ts", // as `pulumi new typescript` writes it
            dependencies: { "@pulumi/pulumi": pkg.dependencies["@pulumi/pulumi"] },
            devDependencies: { "@types/node": pkg.devDependencies["@types/node"], typescript: pkg.devDependencies.typescript },
        };
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(project, null, 4) + "\n");
        fs.copyFileSync(path.join(repo, "examples", "quickstart", "tsconfig.json"), path.join(dir, "tsconfig.json"));
        fs.writeFileSync(path.join(dir, "index.ts"), example("typescript"));
        await promisify(execFile)("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir });

        expect(await pulumi(["package", "add", path.join(clone, "plugin")], dir)).toContain(
            `import * as multinet from "@pulumi-multinet/multinet"`,
        );
        const linked = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        expect(linked.dependencies["@pulumi-multinet/multinet"]).toBe("file:sdks/pulumi-multinet-multinet");
        execFileSync(process.execPath, [path.join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", dir, "--noEmit"], {
            stdio: "pipe",
        });
        expect(trackedChanges()).toBe("");

        const stack = new Stack(dir, "install-ts");
        try {
            await lifecycle(stack);
        } finally {
            await stack.remove();
        }
    });

    test("a git URL at the release tag: the CLI clones the tag from the git host and installs it, and the YAML example runs it", async () => {
        const tag = `v${pkg.version}`;
        const root = path.join(work, "git");
        const bare = path.join(root, "pulumi-multinet", "pulumi-multinet.git");
        execFileSync("git", ["clone", "--quiet", "--bare", clone, bare]);
        execFileSync("git", ["-C", bare, "tag", tag, "HEAD"]); // the release, as the CHANGELOG names it
        const dir = path.join(work, "yaml-git");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), example("yaml"));

        const server = await serveGit(root);
        const host = new URL(server.url).host;
        // As users write github.com/pulumi-multinet/pulumi-multinet/plugin@v0.3.0.
        const source = `${host}/pulumi-multinet/pulumi-multinet/plugin@${tag}`;
        try {
            expect(await pulumi(["package", "add", source], dir, server.env)).toContain("Added package pulumi-multinet/multinet");
        } finally {
            await server.close();
        }
        expect(server.requests).toContain("/pulumi-multinet/pulumi-multinet.git/git-upload-pack");
        expect(new Set(server.connects)).toEqual(new Set([`${host}:443`]));
        expect(YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).packages).toEqual({ multinet: source });
        expect(
            YAML.parse(fs.readFileSync(path.join(dir, "sdks", "pulumi-multinet-multinet", `multinet-${pkg.version}.yaml`), "utf8")),
        ).toEqual({
            packageDeclarationVersion: 1,
            name: "multinet",
            version: pkg.version,
            downloadUrl: `git://${host}/pulumi-multinet/pulumi-multinet/plugin`,
        });
        const installed = path.join(
            process.env.PULUMI_HOME!,
            "plugins",
            `resource-${host}_pulumi-multinet_pulumi-multinet.git_plugin-${tag}`,
        );
        expect(fs.existsSync(path.join(installed, "plugin", "lib", "sdk", "mesh.js"))).toBe(true);

        // The git host is gone: the engine runs the plugin the CLI installed.
        const stack = new Stack(dir, "install-git");
        try {
            await firstPreview(stack);
        } finally {
            await stack.remove();
        }
    });
});
