// `pulumi-multinet` as a user runs it: the package's bin (built), with the bed's environment.
import { execFile } from "child_process";
import * as path from "path";
import { bedEnv } from "../../bed/bed";
import { repoRoot } from "../../bed/paths";
import type { Report } from "../../core/check";
import { clusterName, Live } from "../../bed/topology";

const cli = path.join(repoRoot, "dist", "cli", "main.js");

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

export function runCli(args: string[]): Promise<Run> {
    return new Promise((resolve) =>
        execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...bedEnv() }, timeout: 120_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

/** `--kubeconfig` flags for bed clusters `clusters` (numbers). */
export const kubeconfigFlags = (live: Live, clusters = [1, 2, 3, 4]) =>
    clusters.flatMap((n) => ["--kubeconfig", `${clusterName(n)}=${live.state.clusters[n - 1].kubeconfig}`]);

/** `pulumi-multinet check` with kubeconfigs of `clusters`, the control plane on cluster 1, as JSON. */
export async function runCheck(live: Live, extra: string[] = [], clusters?: number[]): Promise<{ code: number; report: Report }> {
    const r = await runCli(["check", ...kubeconfigFlags(live, clusters), "--control-plane", clusterName(1), "-o", "json", ...extra]);
    if (r.code === 2) throw new Error(`check could not run: ${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) };
}
