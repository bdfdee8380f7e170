// Go users: `go get github.com/pulumi-multinet/pulumi-multinet/sdks/go@v<version>` fetches the Go SDK from the
// repository (not published yet: git's insteadOf points that URL at a clone tagged as a release tags it, and the
// module is private to go, so it comes from git, not from a proxy), the docs' Go example compiles against it, and a
// Go program runs: test/go/quickstart_test.go, an Automation API inline program, makes the quickstart on the bed
// through multinet.NewMesh (preview with the restart warning, up, istiod's view, a no-change preview, destroy).
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { bedEnv } from "../../bed/bed";
import { goCommand } from "../../bed/tools";
import { docsExampleInstall, Live } from "../../bed/topology";
import { example } from "../helpers/docs";

const repo = path.join(__dirname, "..", "..");
const version: string = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")).version;
const sdkModule = "github.com/pulumi-multinet/pulumi-multinet/sdks/go";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "multinet-go-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** `go` in the test's module copy, under the machine's Go lock, with the environment that fetches the SDK from git. */
function go(args: string[], env: Record<string, string>): string {
    const [cmd, argv] = goCommand(args);
    return execFileSync(cmd, argv, { cwd: path.join(work, "module"), env: { ...process.env, ...env }, encoding: "utf8", stdio: "pipe" });
}

test("go get fetches the Go SDK from the repository at its release tag; the docs' Go example compiles; a Go program runs the quickstart", async () => {
    // The repository as it would be published, with the tags a release makes: v<version> for `pulumi package add`,
    // sdks/go/v<version> for Go (a module in a subfolder is tagged with its folder).
    const bare = path.join(work, "pulumi-multinet.git");
    execFileSync("git", ["clone", "--quiet", "--bare", repo, bare]);
    for (const tag of [`v${version}`, `sdks/go/v${version}`]) execFileSync("git", ["-C", bare, "tag", tag, "HEAD"]);
    const gitconfig = path.join(work, "gitconfig");
    fs.writeFileSync(gitconfig, `[url "file://${bare}"]\n\tinsteadOf = https://github.com/pulumi-multinet/pulumi-multinet\n`);
    const goEnv = (name: string) => execFileSync("go", ["env", name], { encoding: "utf8" }).trim();
    const fetchEnv = {
        GIT_CONFIG_GLOBAL: gitconfig,
        GIT_CONFIG_NOSYSTEM: "1",
        GOPRIVATE: "github.com/pulumi-multinet",
        // A module cache of its own, so that no earlier run's v<version> is taken for this one; the other modules come
        // from the machine's cache (read as a proxy), else the usual proxy.
        GOMODCACHE: path.join(work, "gomodcache"),
        GOPROXY: `file://${goEnv("GOMODCACHE")}/cache/download,${goEnv("GOPROXY")}`,
        // -trimpath: builds that do not name the module cache's folder, so the machine's build cache serves them.
        GOFLAGS: "-mod=mod -modcacherw -trimpath",
    };
    fs.cpSync(path.join(repo, "test", "go"), path.join(work, "module"), { recursive: true });
    go(["get", `${sdkModule}@v${version}`], fetchEnv);
    expect(fs.readFileSync(path.join(work, "module", "go.mod"), "utf8")).toMatch(new RegExp(`^\\s*${sdkModule} v${version}\\b`, "m"));

    fs.mkdirSync(path.join(work, "module", "example"));
    fs.writeFileSync(path.join(work, "module", "example", "main.go"), example("go"));
    go(["vet", "./..."], fetchEnv);
    const binary = path.join(work, "quickstart.test");
    go(["test", "-c", "-o", binary, "."], fetchEnv);

    // The bed installed as Istio's multi-network guide installs it for the example's groups (cluster 4 is not in it).
    const live = new Live();
    await live.install(docsExampleInstall);
    // Run outside the Go lock: it takes minutes and builds nothing.
    const stack = `go-quickstart-${process.pid}`;
    const run = await promisify(execFile)(binary, ["-test.v", "-test.timeout=12m"], {
        cwd: path.join(work, "module"),
        env: {
            ...process.env,
            ...bedEnv(),
            MULTINET_PLUGIN: path.join(repo, "plugin"),
            MULTINET_STACK: stack,
            // The engine's diagnostic events carry the message; the CLI prints it after "warning: ".
            MULTINET_WARNING: example("text")
                .trim()
                .replace(/^warning: /, ""),
        },
        maxBuffer: 64 << 20,
    }).catch((e) => ({ stdout: `${e.stdout}\n${e.stderr}`, stderr: "" }));
    expect(run.stdout).toMatch(/^--- PASS: TestQuickstart/m);
});
