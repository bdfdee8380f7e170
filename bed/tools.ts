// Finds or builds the real binaries the bed runs: the Pulumi CLI and Node.js and YAML language hosts,
// kube-apiserver, kubectl, etcd, istiod (pilot-discovery) and istioctl, the bed's xDS probe and kubelet and (on
// demand) the SDK generator. Order: an explicit MULTINET_* path; for the Pulumi CLI and etcd, a matching binary on PATH; the cache;
// a Go build.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultLog, Log } from "./log";
import { binDir, repoRoot, toolsDir } from "./paths";

export interface Tools {
    pulumi: string;
    languageHost: string;
    kubeApiserver: string;
    kubectl: string;
    etcd: string;
    istiod: string;
    istioctl: string;
    /** Istio's CRDs (crd-all.gen.yaml) from the same istio.io/istio module as istiod. */
    istioCrds: string;
    /** The bed's ADS client (bed/go/xds): what istiod sends one proxy. */
    xds: string;
    /** The bed's kubelet (bed/go/kubelet): port-forward to istiod's Pod. */
    kubelet: string;
    /** Pulumi YAML's language host, for YAML programs that use the component package. */
    yamlLanguageHost: string;
}

interface GoBuild {
    /** Wrapper module under bed/go. */
    module: string;
    /** Module whose version names the cache folder. */
    versionOf: string;
    packages: string[];
    /** Binary name when a single package's folder name is not it (go.etcd.io/etcd/server/v3 -> etcd). */
    binary?: string;
    ldflags?: (version: string) => string;
    /** Files of the module (paths inside it) copied next to the binaries. */
    files?: { module: string; path: string }[];
}

const builds = {
    pulumi: {
        module: "pulumi",
        versionOf: "github.com/pulumi/pulumi/pkg/v3",
        packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
        ldflags: (v: string) => `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${v}`,
    },
    languageHost: {
        module: "langhost",
        versionOf: "github.com/pulumi/pulumi/sdk/v3",
        packages: ["pulumi-multinet/bed/langhost"],
        binary: "pulumi-language-nodejs",
        ldflags: (v: string) => `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${v}`,
    },
    kubernetes: {
        module: "kube",
        versionOf: "k8s.io/kubernetes",
        packages: ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kubectl"],
        // kubectl and the API server report this version instead of v0.0.0-master.
        ldflags: (v: string) =>
            ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]
                .map((p) => `-X ${p}.gitVersion=${v} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${v.split(".")[1]}`)
                .join(" "),
    },
    etcd: { module: "etcd", versionOf: "go.etcd.io/etcd/server/v3", packages: ["go.etcd.io/etcd/server/v3"], binary: "etcd" },
    // One build of both commands: they share most packages, so the second costs little.
    istio: {
        module: "istio",
        versionOf: "istio.io/istio",
        packages: ["istio.io/istio/pilot/cmd/pilot-discovery", "istio.io/istio/istioctl/cmd/istioctl"],
        files: [{ module: "istio.io/istio", path: "manifests/charts/base/files/crd-all.gen.yaml" }],
    },
    xds: { module: "xds", versionOf: "github.com/envoyproxy/go-control-plane/envoy", packages: ["pulumi-multinet/bed/xds"], binary: "xds" },
    kubelet: { module: "kubelet", versionOf: "k8s.io/kubelet", packages: ["pulumi-multinet/bed/kubelet"], binary: "kubelet" },
    // Pulumi YAML's language host, with the Pulumi modules it pins (not the CLI's).
    yaml: {
        module: "yaml",
        versionOf: "github.com/pulumi/pulumi-yaml",
        packages: ["github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"],
    },
    // Pulumi's Go and Python SDK generators, at the CLI's version (bed/go/gensdk).
    gensdk: { module: "gensdk", versionOf: "github.com/pulumi/pulumi/pkg/v3", packages: ["pulumi-multinet/bed/gensdk"], binary: "gensdk" },
} satisfies Record<string, GoBuild>;

const overrides = {
    pulumi: "MULTINET_PULUMI",
    languageHost: "MULTINET_PULUMI_LANGUAGE_NODEJS",
    kubeApiserver: "MULTINET_KUBE_APISERVER",
    kubectl: "MULTINET_KUBECTL",
    etcd: "MULTINET_ETCD",
    istiod: "MULTINET_ISTIOD",
    istioctl: "MULTINET_ISTIOCTL",
    yamlLanguageHost: "MULTINET_PULUMI_LANGUAGE_YAML",
} as const;

/** The @pulumi/pulumi version the project depends on; the CLI must be the same version. */
export function pulumiNpmVersion(): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    return pkg.dependencies["@pulumi/pulumi"].replace(/^[^\d]*/, "");
}

export function goModuleVersion(build: GoBuild): string {
    const goMod = fs.readFileSync(path.join(repoRoot, "bed", "go", build.module, "go.mod"), "utf8");
    const m = goMod.match(new RegExp(`^\\s*(?:require\\s+)?${build.versionOf.replace(/\./g, "\\.")}\\s+(v\\S+)`, "m"));
    if (!m) throw new Error(`bed/go/${build.module}/go.mod does not require ${build.versionOf}`);
    return m[1];
}

function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (path.resolve(dir) === binDir) continue; // the bed's own PATH entry is an output, not a source
        const candidate = path.join(dir, name);
        if (dir && isExecutable(candidate)) return candidate;
    }
    return undefined;
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function versionOutput(bin: string, args: string[]): string {
    const r = spawnSync(bin, args, { encoding: "utf8", timeout: 20_000, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
}

function fromOverride(tool: keyof typeof overrides): string | undefined {
    const value = process.env[overrides[tool]];
    if (!value) return undefined;
    if (!isExecutable(value)) throw new Error(`${overrides[tool]}=${value} is not an executable file`);
    return value;
}

function missingGoMessage(what: string): string {
    return [
        `The test bed needs ${what}, which is built from Go modules on first use, but no Go toolchain ('go') is on PATH.`,
        `Install Go 1.26 or newer, or point these variables at pre-built binaries (the bed's own xDS probe, kubelet and`,
        `SDK generator are always built, so the bed needs Go in any case):`,
        ...Object.values(overrides).map((v) => `  ${v}`),
        `  MULTINET_ISTIO_CRDS (Istio's crd-all.gen.yaml, with ${overrides.istiod} and ${overrides.istioctl})`,
        `(${overrides.pulumi} must be version v${pulumiNpmVersion()}, the @pulumi/pulumi version in package.json.)`,
    ].join("\n");
}

/**
 * One Go build at a time on this machine (a build takes both cores and gigabytes): `go` runs under an exclusive
 * `flock` on this file, shared with every other checkout, test run and developer shell (`flock /tmp/multinet-go.lock
 * go build ...`). Without util-linux's flock, `go` runs unlocked.
 */
export const goLockFile = path.join(os.tmpdir(), "multinet-go.lock");

/** The command and arguments that run `go <args>` under {@link goLockFile}, for execFileSync/spawn. */
export function goCommand(args: string[]): [string, string[]] {
    const flock = onPath("flock");
    return flock ? [flock, [goLockFile, "go", ...args]] : ["go", args];
}

/** Short hash of a wrapper module's files: editing it (or its pins) invalidates the cached binaries. */
function sourceHash(module: string): string {
    const dir = path.join(repoRoot, "bed", "go", module);
    const hash = crypto.createHash("sha256");
    for (const f of fs.readdirSync(dir).sort()) hash.update(f).update(fs.readFileSync(path.join(dir, f)));
    return hash.digest("hex").slice(0, 10);
}

/** Builds (once) the packages of a wrapper module into the cache; returns the folder holding the binaries. */
function goBuild(build: GoBuild, log: Log): string {
    const version = goModuleVersion(build);
    const outDir = path.join(toolsDir, `${build.module}-${version}-${sourceHash(build.module)}`);
    const names = build.binary ? [build.binary] : build.packages.map((p) => p.split("/").pop()!);
    const binaries = names.map((n) => path.join(outDir, n));
    if (binaries.every(isExecutable)) return outDir;

    if (!onPath("go")) throw new Error(missingGoMessage(names.join(", ")));
    fs.mkdirSync(toolsDir, { recursive: true });
    // Leftovers of builds that were killed: their pid no longer runs.
    for (const f of fs.readdirSync(toolsDir, { withFileTypes: true })) {
        const pid = Number(f.name.startsWith(`${path.basename(outDir)}.tmp-`) ? f.name.split(".tmp-")[1] : NaN);
        if (pid && !fs.existsSync(`/proc/${pid}`)) fs.rmSync(path.join(toolsDir, f.name), { recursive: true, force: true });
    }
    const tmp = `${outDir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    log(`building ${names.join(", ")} ${version} from Go modules (first run only; minutes)...`);
    const ldflags = ["-s -w", build.ldflags?.(version) ?? ""].join(" ").trim();
    execFileSync(
        ...goCommand([
            "build",
            "-mod=readonly",
            "-trimpath",
            "-buildvcs=false",
            `-ldflags=${ldflags}`,
            "-o",
            build.binary ? path.join(tmp, build.binary) : tmp + path.sep,
            ...build.packages,
        ]),
        { cwd: path.join(repoRoot, "bed", "go", build.module), stdio: ["ignore", "inherit", "inherit"] },
    );
    for (const f of build.files ?? [])
        fs.copyFileSync(path.join(moduleDir(build, f.module), f.path), path.join(tmp, path.basename(f.path)));
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmp, outDir); // atomic: a killed build never leaves a half-written cache entry
    log(`built ${build.module} ${version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return outDir;
}

/** Where the Go module cache holds a dependency of a wrapper module (downloaded by the build). */
function moduleDir(build: GoBuild, module: string): string {
    const out = execFileSync("go", ["list", "-m", "-json", module], {
        cwd: path.join(repoRoot, "bed", "go", build.module),
        encoding: "utf8",
    });
    return JSON.parse(out).Dir;
}

/** The SDK generator (bed/go/gensdk), built on first use: only `npm run sdks` and the SDK test need it. */
export function ensureSdkGenerator(log: Log = defaultLog): string {
    return path.join(goBuild(builds.gensdk, log), "gensdk");
}

/** Resolves every tool, building what is missing. */
export function ensureTools(log: Log = defaultLog): Tools {
    const wantPulumi = `v${pulumiNpmVersion()}`;
    const pulumiBuildVersion = goModuleVersion(builds.pulumi);
    if (pulumiBuildVersion !== wantPulumi) {
        throw new Error(
            `bed/go/pulumi/go.mod builds ${pulumiBuildVersion} but package.json depends on @pulumi/pulumi ${wantPulumi}; keep them equal`,
        );
    }

    let pulumi = fromOverride("pulumi");
    let languageHost = fromOverride("languageHost");
    if (!pulumi) {
        const candidate = onPath("pulumi");
        if (candidate && versionOutput(candidate, ["version"]) === wantPulumi) {
            pulumi = candidate;
            const beside = path.join(path.dirname(candidate), "pulumi-language-nodejs");
            languageHost ??= isExecutable(beside) ? beside : undefined;
        }
    }
    pulumi ??= path.join(goBuild(builds.pulumi, log), "pulumi");
    languageHost ??= path.join(goBuild(builds.languageHost, log), "pulumi-language-nodejs");

    let kubeApiserver = fromOverride("kubeApiserver");
    let kubectl = fromOverride("kubectl");
    if (!kubeApiserver || !kubectl) {
        const dir = goBuild(builds.kubernetes, log);
        kubeApiserver ??= path.join(dir, "kube-apiserver");
        kubectl ??= path.join(dir, "kubectl");
    }
    let etcd = fromOverride("etcd");
    if (!etcd) {
        const candidate = onPath("etcd");
        const etcdMinor = goModuleVersion(builds.etcd).split(".").slice(0, 2).join(".").slice(1);
        if (candidate && versionOutput(candidate, ["--version"]).includes(`etcd Version: ${etcdMinor}.`)) etcd = candidate;
    }
    etcd ??= path.join(goBuild(builds.etcd, log), "etcd");

    let istiod = fromOverride("istiod");
    let istioctl = fromOverride("istioctl");
    const istioDir = istiod && istioctl && process.env.MULTINET_ISTIO_CRDS ? undefined : goBuild(builds.istio, log);
    istiod ??= path.join(istioDir!, "pilot-discovery");
    istioctl ??= path.join(istioDir!, "istioctl");
    const istioCrds = process.env.MULTINET_ISTIO_CRDS ?? path.join(istioDir!, "crd-all.gen.yaml");
    const xds = path.join(goBuild(builds.xds, log), "xds");
    const kubelet = path.join(goBuild(builds.kubelet, log), "kubelet");
    const yamlLanguageHost = fromOverride("yamlLanguageHost") ?? path.join(goBuild(builds.yaml, log), "pulumi-language-yaml");
    return { pulumi, languageHost, kubeApiserver, kubectl, etcd, istiod, istioctl, istioCrds, xds, kubelet, yamlLanguageHost };
}
