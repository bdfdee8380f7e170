// The package as users get it: `npm pack`, installed into a fresh Pulumi project of its own, outside this repository
// (nothing resolves from the repository's node_modules), running the quickstart on the bed: up, a no-change preview,
// destroy; and its component package read by the CLI from node_modules, with no TypeScript installed.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bedEnv } from "../../bed/bed";
import { Stack } from "../../bed/stack";
import { Live, quickstartInstall } from "../../bed/topology";

const repo = path.join(__dirname, "..", "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "multinet-package-"));
const consumer = path.join(work, "consumer");

function npm(args: string[], cwd: string): string {
    return execFileSync("npm", args, {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" },
    });
}

describe("the npm package in a project of its own", () => {
    let stack: Stack;
    afterAll(async () => {
        await stack?.remove();
        fs.rmSync(work, { recursive: true, force: true });
    });

    test("packs, installs, and runs the quickstart", async () => {
        fs.mkdirSync(consumer, { recursive: true });
        const tarball = path.join(
            work,
            npm(["pack", "--silent", "--ignore-scripts", "--pack-destination", work], repo).trim().split("\n").pop()!,
        );
        const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
        expect(files).toContain("package/dist/sdk/index.js");
        expect(files).toContain("package/dist/provider/index.js");
        expect(files).toContain("package/dist/core/index.js");
        expect(files).toEqual(
            expect.arrayContaining(["package/plugin/index.js", "package/plugin/PulumiPlugin.yaml", "package/plugin/schema.json"]),
        );
        expect(files.filter((f) => /\/(test|bed|examples|sdks)\//.test(f))).toEqual([]);

        const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8"));
        fs.writeFileSync(
            path.join(consumer, "package.json"),
            JSON.stringify(
                {
                    name: "multinet-consumer",
                    private: true,
                    dependencies: { "pulumi-multinet": `file:${tarball}`, "@pulumi/pulumi": pkg.dependencies["@pulumi/pulumi"] },
                    devDependencies: { "@types/node": pkg.devDependencies["@types/node"] },
                },
                null,
                2,
            ),
        );
        for (const f of ["index.ts", "tsconfig.json"])
            fs.copyFileSync(path.join(repo, "examples", "quickstart", f), path.join(consumer, f));
        fs.writeFileSync(path.join(consumer, "Pulumi.yaml"), "name: multinet-consumer\nruntime: nodejs\nmain: index.ts\n");
        npm(["install", "--no-package-lock", "--prefer-offline"], consumer);
        expect(fs.realpathSync(path.join(consumer, "node_modules", "pulumi-multinet"))).not.toBe(fs.realpathSync(repo));

        execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(consumer, "tsconfig.json"), "--noEmit"], {
            stdio: "pipe",
        });
        expect(fs.existsSync(path.join(consumer, "node_modules", "typescript"))).toBe(false);
        const schema = execFileSync("pulumi", ["package", "get-schema", "./node_modules/pulumi-multinet/plugin"], {
            cwd: consumer,
            encoding: "utf8",
            env: { ...process.env, ...bedEnv() },
        });
        expect(JSON.parse(schema)).toEqual(JSON.parse(fs.readFileSync(path.join(repo, "plugin", "schema.json"), "utf8")));

        stack = new Stack(consumer, "consumer");
        await new Live().install(quickstartInstall); // the clusters installed for the quickstart's groups
        await stack.init({});
        await stack.up();
        const out = await stack.outputs();
        expect(out.interconnected).toEqual(["east", "south", "west"]);
        expect(out.westAddress).toBe("203.0.113.7");
        expect((await stack.preview()).changeSummary).toEqual({ same: expect.any(Number) });
        await stack.ok(["destroy", "--yes", "--skip-preview"]);
    });
});
