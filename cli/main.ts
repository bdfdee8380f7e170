#!/usr/bin/env node
// The package's command line: `pulumi-multinet check`, the live check of a mesh as istiod sees it (see
// core/check.ts for what each check judges). Exit 0 when no check fails (warnings allowed), 1 when one fails, 2
// when the check could not run (bad flags, the control plane unreachable), with a one-line reason.
import * as fs from "fs";
import * as os from "os";
import { Command, CommanderError, Option } from "commander";
import { checks, fails, Report } from "../core/check";
import { CheckCannotRun, checkMesh, CheckOptions } from "../provider/check";
import { ClusterAccess, contextKubeconfig } from "../provider/kube";

const collect = (value: string, previous: string[]) => [...previous, value];

/** `NAME=VALUE` pairs of a repeatable flag. */
function pairs(flag: string, values: string[]): [string, string][] {
    return values.map((v) => {
        const i = v.indexOf("=");
        if (i <= 0 || i === v.length - 1) throw new CheckCannotRun(`${flag} takes NAME=VALUE (the cluster's name in the mesh), got "${v}"`);
        return [v.slice(0, i), v.slice(i + 1)];
    });
}

function accesses(kubeconfigs: string[], contexts: string[]): ClusterAccess[] {
    const read = (file: string) => {
        try {
            return fs.readFileSync(file.replace(/^~(?=$|\/)/, os.homedir()), "utf8");
        } catch (e) {
            throw new CheckCannotRun(`cannot read kubeconfig ${file}: ${(e as Error).message}`);
        }
    };
    const fromContext = (ctx: string) => {
        try {
            return contextKubeconfig(ctx);
        } catch (e) {
            throw new CheckCannotRun((e as Error).message);
        }
    };
    const all = [
        ...pairs("--kubeconfig", kubeconfigs).map(([name, file]) => ({ name, kubeconfig: read(file) })),
        ...pairs("--context", contexts).map(([name, ctx]) => ({ name, kubeconfig: fromContext(ctx) })),
    ];
    const names = all.map((a) => a.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new CheckCannotRun(`cluster "${twice}" is given twice`);
    return all;
}

const mark = { pass: "PASS", warn: "WARN", fail: "FAIL", skip: "SKIP" } as const;

/** The report as a table: one line per check, then its findings with their fixes. */
export function table(r: Report, controlPlane: string): string {
    const width = Math.max(...Object.keys(checks).map((k) => k.length));
    const lines = [`pulumi-multinet check: mesh "${r.mesh}", control plane "${controlPlane}"`, ""];
    for (const c of r.checks) {
        lines.push(`${mark[c.status]}  ${c.id.padEnd(width)}  ${c.title}`);
        // Clusters not given are said once per check, not once each.
        const noAccess = c.findings.filter((f) => f.severity === "skip" && f.cluster && f.fix.startsWith("pass --kubeconfig"));
        for (const f of c.findings.filter((f) => !noAccess.includes(f))) {
            const about = [f.cluster && `cluster "${f.cluster}"`, f.object].filter(Boolean).join(", ");
            lines.push(`        ${f.severity === "skip" ? "skipped" : f.severity}: ${about ? `${about}: ` : ""}${f.message}`);
            lines.push(`        fix: ${f.fix}`);
        }
        if (noAccess.length)
            lines.push(
                `        not checked on ${noAccess.map((f) => `"${f.cluster}"`).join(", ")}: no access given (--kubeconfig NAME=PATH or --context NAME=CONTEXT)`,
            );
    }
    const count = (s: string) => r.checks.filter((c) => c.status === s).length;
    lines.push("", `${count("fail")} failed, ${count("warn")} warned, ${count("pass")} passed, ${count("skip")} skipped`);
    return lines.join("\n");
}

async function check(opts: {
    kubeconfig: string[];
    context: string[];
    controlPlane?: string;
    mesh?: string;
    namespace: string;
    istiodDebug?: string;
    output: "table" | "json";
    wait?: string;
}): Promise<number> {
    const clusters = accesses(opts.kubeconfig, opts.context);
    if (clusters.length === 0)
        throw new CheckCannotRun("give the control-plane cluster's access: --kubeconfig NAME=PATH or --context NAME=CONTEXT");
    const controlPlane = opts.controlPlane ?? (clusters.length === 1 ? clusters[0].name : undefined);
    if (!controlPlane) throw new CheckCannotRun("name the cluster that runs istiod: --control-plane NAME");
    const wait = opts.wait === undefined ? 0 : Number(opts.wait);
    if (!Number.isFinite(wait) || wait < 0) throw new CheckCannotRun(`--wait takes seconds, got "${opts.wait}"`);
    const options: CheckOptions = { clusters, controlPlane, meshId: opts.mesh, namespace: opts.namespace, istiodDebug: opts.istiodDebug };
    const deadline = Date.now() + wait * 1000;
    let report = await checkMesh(options);
    // Until everything passes (warnings too clear: a cluster still syncing) or the time is up.
    while (Date.now() < deadline && report.checks.some((c) => c.status === "fail" || c.status === "warn")) {
        await new Promise((r) => setTimeout(r, 2000));
        report = await checkMesh(options);
    }
    console.log(opts.output === "json" ? JSON.stringify(report, null, 2) : table(report, controlPlane));
    return fails(report) ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
    const program = new Command("pulumi-multinet")
        .description("Tools for meshes made with pulumi-multinet")
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) });
    let code = 0;
    program
        .command("check")
        .description("check a live mesh as istiod sees it: the declared topology against what istiod serves")
        .option("--kubeconfig <name=path>", "a cluster's kubeconfig, by its name in the mesh (repeatable)", collect, [])
        .option("--context <name=context>", "a cluster's context of your default kubeconfig (repeatable)", collect, [])
        .option("--control-plane <name>", "the cluster that runs istiod (default: the only cluster given)")
        .option("--mesh <id>", "the mesh to check (default: the only one found on the control plane)")
        .option("--namespace <namespace>", "Istio's namespace", "istio-system")
        .option("--istiod-debug <url>", "istiod's debug address (http://host:15014) when it is not a pod of the control-plane cluster")
        .addOption(new Option("-o, --output <format>", "table or json").choices(["table", "json"]).default("table"))
        .option("--wait <seconds>", "check again until every check passes or the time is up")
        .action(async (opts) => {
            code = await check(opts);
        });
    try {
        await program.parseAsync(argv, { from: "user" });
        return code;
    } catch (e) {
        if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
        if (e instanceof CheckCannotRun) {
            console.error(`pulumi-multinet check: ${e.message}`);
            return 2;
        }
        console.error(`pulumi-multinet check: ${(e as Error).message.split("\n")[0]}`);
        return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
