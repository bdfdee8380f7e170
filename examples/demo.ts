// `npm run demo`: the quickstart end to end with the real Pulumi engine, on a local test bed (default) or on
// clusters you name. Prints a summary, then previews a follow-up change (group "south" joins) and its warning,
// and, on the bed, what the real istiod made of it: its networks and gateways, the clusters it reads, and what it
// sends a sidecar.
//
//   npm run demo                                   local bed of four clusters, stopped afterwards
//   npm run demo -- --keep                         leave the bed and the stack up to explore
//   npm run demo -- --kubeconfig hosted=~/h.yaml --kubeconfig east1=~/e.yaml --kubeconfig west1=~/w.yaml [--kubeconfig south1=...]
//   npm run demo -- --context hosted=prod-hub --context east1=prod-east ...   (contexts of your default kubeconfig)
//   ... --control-plane-id ID                      istiod's CLUSTER_ID on "hosted" when it is not "hosted"
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bedEndpoint, bedEnv, down, istiodDebug, proxyView, toolEnv, up, writeBinDir } from "../bed/bed";
import { backendDir } from "../bed/paths";
import { putSample, sample } from "../bed/sample";
import { ensureTools } from "../bed/tools";
import { sleep } from "../bed/procs";
import { contextKubeconfig } from "../provider/kube";
import { Live } from "../bed/topology";

const program = path.join(__dirname, "quickstart");
const stackName = "demo";
const keys = ["hosted", "east1", "west1", "south1"];
const say = (msg: string) => console.log(`\x1b[1m==> ${msg}\x1b[0m`);

interface Options {
    keep: boolean;
    kubeconfigs: Record<string, string>;
    controlPlaneId?: string;
}

function parseArgs(argv: string[]): Options {
    const opts: Options = { keep: false, kubeconfigs: {} };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--keep") opts.keep = true;
        else if (a === "--control-plane-id") opts.controlPlaneId = argv[++i];
        else if (a === "--kubeconfig" || a === "--context") {
            const [key, value] = (argv[++i] ?? "").split("=");
            if (!keys.includes(key) || !value) throw new Error(`${a} takes <cluster>=<value> with cluster one of ${keys.join(", ")}`);
            opts.kubeconfigs[key] =
                a === "--kubeconfig" ? fs.readFileSync(value.replace(/^~/, os.homedir()), "utf8") : contextKubeconfig(value);
        } else throw new Error(`unknown argument ${a}; see the header of examples/demo.ts`);
    }
    const given = Object.keys(opts.kubeconfigs);
    if (given.length && !["hosted", "east1", "west1"].every((k) => given.includes(k)))
        throw new Error("real clusters need at least hosted, east1 and west1");
    return opts;
}

function pulumi(
    args: string[],
    env: NodeJS.ProcessEnv,
    input?: string,
    quiet = args.includes("--json"),
): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
        const child = spawn("pulumi", [...args, "--stack", stackName, "--non-interactive"], {
            cwd: program,
            env,
            // Quiet: nothing of it is shown (its errors are the caller's to tell); else what it says, errors too.
            stdio: ["pipe", "pipe", quiet && !args.includes("--json") ? "ignore" : "inherit"],
        });
        let stdout = "";
        child.stdout.on("data", (d) => {
            stdout += d;
            if (!quiet) process.stdout.write(d);
        });
        child.stdin.end(input ?? "");
        child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
    });
}

async function must(p: Promise<{ code: number; stdout: string }>, what: string) {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed`);
    return r;
}

async function main(): Promise<void> {
    const opts = parseArgs(process.argv.slice(2));
    const onBed = Object.keys(opts.kubeconfigs).length === 0;
    say(
        "Getting the tools (the first run builds Pulumi, its language hosts, kube-apiserver, etcd, istiod and istioctl from Go modules: about 13 minutes on 2 cores)",
    );
    const tools = ensureTools((m) => console.log(`    ${m}`));

    let env: NodeJS.ProcessEnv;
    if (onBed) {
        say(
            "Starting a local test bed: four Kubernetes API servers as if Istio were installed, a real istiod on the first, the cloud's load balancer played by a controllers process",
        );
        const state = await up({ clusters: 4 }, (m) => console.log(`    ${m}`));
        await putSample(state, (c) => bedEndpoint(state, c));
        // As Istio's multi-network guide installs it: each cluster's injector gives Pods its group's network.
        const live = new Live();
        for (const [n, network, id] of [
            [1, "east"],
            [2, "east", "east-1"],
            [3, "west", "west-1"],
            [4, "south", "south-1"],
        ] as const)
            await live.setInjectionNetwork(n, network, id);
        env = { ...process.env, ...bedEnv(state) };
        state.clusters.forEach((c, i) => (opts.kubeconfigs[keys[i]] = fs.readFileSync(c.kubeconfig, "utf8")));
    } else {
        writeBinDir(tools);
        fs.mkdirSync(backendDir, { recursive: true });
        env = { ...process.env, ...toolEnv() };
    }
    env.MULTINET_BED_KUBECONFIGS = ""; // the quickstart takes kubeconfigs from stack config here
    // On the user's clusters, istiod's ID is --control-plane-id or the cluster's name, never a bed's from the shell.
    if (!onBed) delete env.MULTINET_CONTROL_PLANE_ID;
    const south = opts.kubeconfigs.south1;

    try {
        await pulumi(["stack", "rm", "--yes", "--force"], env, undefined, true); // a leftover of an interrupted demo
        await must(pulumi(["stack", "init"], env), "pulumi stack init");
        for (const key of ["hosted", "east1", "west1"])
            await must(pulumi(["config", "set", "--secret", key], env, opts.kubeconfigs[key]), `pulumi config set ${key}`);
        if (opts.controlPlaneId)
            await must(pulumi(["config", "set", "controlPlaneId", opts.controlPlaneId], env), "pulumi config set controlPlaneId");

        say("pulumi up: the quickstart (groups east and west, one gateway each, interconnected)");
        await must(pulumi(["up", "--yes", "--skip-preview"], env), "pulumi up");
        const out = JSON.parse((await must(pulumi(["stack", "output", "--json"], env), "pulumi stack output")).stdout);

        say("Summary");
        console.log(`    Gateway Rule        ${out.gatewayRule}`);
        for (const [group, clusters] of Object.entries(out.groups as Record<string, string[]>))
            console.log(`    network group       ${group.padEnd(6)} clusters ${clusters.join(", ")}`);
        console.log(`    east-west gateway   east-1 on east-1  address ${out.eastAddress}`);
        console.log(`    east-west gateway   west-1 on west-1  address ${out.westAddress}`);
        console.log(`    interconnected      ${out.interconnected.join(", ")}`);
        console.log(`    control-plane restarts: ${out.controlPlaneRestarts}`);
        if (onBed) await istiodView();
        await checkView(opts.kubeconfigs);

        if (south) {
            say('Preview of a follow-up change: a fourth cluster in group "south" joins the interconnect');
            await must(pulumi(["config", "set", "--secret", "south1"], env, south), "pulumi config set south1");
            const preview = JSON.parse((await pulumi(["preview", "--json"], env)).stdout);
            const warnings = (preview.diagnostics ?? []).filter((d: any) => d.severity === "warning");
            for (const w of warnings)
                console.log(
                    `    \x1b[33mwarning\x1b[0m on ${w.urn.split("::").slice(-2).join(" ")}: ${w.message.trim().replace(/^warning: /, "")}`,
                );
            if (!warnings.length) console.log("    no restart warning (unexpected)");
            console.log("    Nothing was changed: that was a preview.");
            await pulumi(["config", "rm", "south1"], env, undefined, true);
        } else {
            say("No fourth cluster given: add --kubeconfig south1=<file> to preview a group joining");
        }
    } finally {
        if (!opts.keep) {
            say(onBed ? "Cleaning up: pulumi destroy, then stopping the bed" : "Cleaning up: pulumi destroy");
            const destroyed = await pulumi(["destroy", "--yes", "--skip-preview"], env, undefined, true);
            console.log(destroyed.code === 0 ? "    destroyed" : `    pulumi destroy failed:\n${destroyed.stdout}`);
            if (destroyed.code === 0) await pulumi(["stack", "rm", "--yes"], env, undefined, true);
            if (onBed) await down((m) => console.log(`    ${m}`));
        } else {
            say(`Kept. Explore with: eval "$(npm run --silent bed -- env)"; cd examples/quickstart; pulumi stack select ${stackName}`);
        }
    }
    say("Done");
}

/** `pulumi-multinet check`, as a user runs it (the package's bin, a kubeconfig file per cluster). */
async function checkView(kubeconfigs: Record<string, string>): Promise<void> {
    say("pulumi-multinet check: the mesh as istiod sees it");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "multinet-demo-"));
    const names: Record<string, string> = { hosted: "hosted", east1: "east-1", west1: "west-1" };
    const args = Object.entries(names).flatMap(([key, name]) => {
        const file = path.join(dir, key);
        fs.writeFileSync(file, kubeconfigs[key], { mode: 0o600 });
        return ["--kubeconfig", `${name}=${file}`];
    });
    try {
        await new Promise<void>((resolve) => {
            const bin = path.join(__dirname, "..", "dist", "cli", "main.js");
            const child = spawn(process.execPath, [bin, "check", ...args, "--control-plane", "hosted", "--wait", "30"], {
                stdio: ["ignore", "pipe", "inherit"],
            });
            child.stdout.on("data", (d) => process.stdout.write(String(d).replace(/^/gm, "    ")));
            child.on("close", () => resolve());
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** What the bed's real istiod made of the quickstart. */
async function istiodView(): Promise<void> {
    say("What istiod serves");
    await sleep(2000); // a restart and a push take a moment
    const clusters: any[] = await istiodDebug("clusterz");
    for (const c of clusters)
        console.log(
            `    cluster            ${c.id.padEnd(10)} ${c.syncStatus}${c.secretName ? ` (remote secret ${c.secretName})` : " (its own)"}`,
        );
    const gateways: any[] = (await istiodDebug("networkz")) ?? [];
    for (const g of gateways)
        console.log(
            `    network gateway    ${g.Network.padEnd(10)} ${g.Addr}:${g.Port}${g.Addr === "100::" ? "   (outside the interconnect: nothing routable)" : ""}`,
        );
    const view = await proxyView({ cluster: "west-1", network: "west" }, `${sample.host}:${sample.port}`);
    console.log(`    a sidecar on west-1 gets for ${sample.host}:${sample.port}:`);
    for (const e of view)
        console.log(
            `      ${`${e.address}:${e.port}`.padEnd(22)} weight ${e.weight}  ${e.port === 15443 ? "an east-west gateway" : `a Pod on ${e.cluster}`}`,
        );
}

main().catch((e) => {
    console.error(`demo: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
});
