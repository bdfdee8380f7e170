// The registry docs (docs/*.md) and the release's version. Every code block of the docs compiles or previews:
// the examples (TypeScript, YAML) run on the bed in new projects that installed the package with `pulumi package add`
// (test/e2e/package-install.test.ts), the Go example compiles against the Go SDK that `go get` fetched
// (test/e2e/go-program.test.ts), and the warning shown is the one those previews print; here, the shell commands
// parse, the YAML parses, the Python compiles, and every version named is the package's.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { codeBlocks, example } from "../helpers/docs";
import { findPython } from "../helpers/python";

const repo = path.join(__dirname, "..", "..");
const read = (f: string) => fs.readFileSync(path.join(repo, f), "utf8");
const pkg = JSON.parse(read("package.json"));

describe("docs", () => {
    const blocks = codeBlocks();

    test("each block is in a language a test checks, and the overview has one example per language", () => {
        expect(blocks.filter((b) => !["typescript", "yaml", "go", "python", "sh", "text"].includes(b.lang))).toEqual([]);
        for (const lang of ["typescript", "yaml", "go", "python", "text"] as const) expect(example(lang)).not.toBe("");
    });

    test("the shell commands parse (bash -n)", () => {
        for (const b of blocks.filter((b) => b.lang === "sh"))
            execFileSync("bash", ["-n"], { input: b.code, stdio: ["pipe", "pipe", "pipe"] });
    });

    test("the YAML parses, and the packages entry is the release's", () => {
        const yamls = blocks.filter((b) => b.lang === "yaml").map((b) => YAML.parse(b.code));
        expect(yamls.filter((y) => y.packages)).toEqual([
            { packages: { multinet: `github.com/pulumi-multinet/pulumi-multinet/plugin@v${pkg.version}` } },
        ]);
    });

    // Without Python (not one of the project's requirements) this check is reported as skipped, not passed.
    const python = findPython();
    (python ? test : test.skip)("the Python example compiles", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "multinet-docs-"));
        try {
            fs.writeFileSync(path.join(dir, "__main__.py"), example("python"));
            execFileSync(python!, ["-m", "py_compile", path.join(dir, "__main__.py")], {
                stdio: "pipe",
                env: { ...process.env, PYTHONPYCACHEPREFIX: path.join(dir, "pycache") },
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the release", () => {
    test("the CHANGELOG's newest version is the package's, the plugin's and the schema's", () => {
        expect(read("CHANGELOG.md").match(/^## (\S+)/m)?.[1]).toBe(pkg.version);
        expect(JSON.parse(read("plugin/package.json")).version).toBe(pkg.version);
        expect(JSON.parse(read("plugin/schema.json")).version).toBe(pkg.version);
    });

    test("every release tag the docs and the README name is this version's", () => {
        const named = ["docs/_index.md", "docs/installation-configuration.md", "README.md"].flatMap((f) =>
            [...read(f).matchAll(/(?:@|sdks\/go\/|checkout )v(\d+\.\d+\.\d+)/g)].map((m) => `${f}: ${m[1]}`),
        );
        expect(named.length).toBeGreaterThan(0);
        expect(named.filter((n) => !n.endsWith(`: ${pkg.version}`))).toEqual([]);
    });

    test("the plugin depends on what the package does, at the same versions", () => {
        const plugin = JSON.parse(read("plugin/package.json"));
        for (const [name, version] of Object.entries(plugin.dependencies)) expect([name, version]).toEqual([name, pkg.dependencies[name]]);
        for (const [name, version] of Object.entries(plugin.devDependencies))
            expect([name, version]).toEqual([name, pkg.devDependencies[name]]);
    });
});
