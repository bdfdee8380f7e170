// The bed suites run on one bed per jest worker (each in its own run folder), started here in parallel unless a
// healthy one is already up there; the teardown stops the beds this run started. A bed started by hand is left.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cacheDir, repoRoot } from "../bed/paths";

/** Bed tests need four clusters (the interconnect table moves clusters between three groups) and istiod. */
const clusters = Number(process.env.MULTINET_BED_CLUSTERS ?? 4);

/**
 * Where the workers' run folders are: worker `n`'s is this prefix followed by `n`. `MULTINET_BED_RUN_PREFIX` sets it
 * (e.g. `~/.cache/pulumi-multinet/run-mine-`), so that two jest runs (two checkouts) on one machine each have their
 * own beds; default `<cache>/run-` (run-1, run-2).
 */
export const runPrefix = path.resolve(process.env.MULTINET_BED_RUN_PREFIX || path.join(cacheDir, "run-"));

/** The run folder of worker `n`'s bed. */
export const workerRunDir = (n: number) => `${runPrefix}${n}`;

/** Marker: which beds this jest run started, so its teardown stops them (one per prefix: runs do not share it). */
export const startedMarker = `${runPrefix}started-by-jest.json`;

/** Runs the bed's command line for the bed in `runDir`. */
export function bed(runDir: string, args: string[]): Promise<string> {
    const cli = path.join(repoRoot, "bed", "cli.ts");
    const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
    return new Promise((resolve, reject) =>
        execFile(
            process.execPath,
            [tsx, cli, ...args],
            { env: { ...process.env, MULTINET_BED_RUN: runDir }, maxBuffer: 16 << 20 },
            (err, stdout, stderr) =>
                err ? reject(new Error(`bed ${args.join(" ")} (${runDir}) failed:\n${stderr}`)) : resolve(stdout + stderr),
        ),
    );
}

export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
    // Workers start after this and inherit it (see bed-worker.ts).
    process.env.MULTINET_BED_RUN_PREFIX = runPrefix;
    // The first bed builds any missing tool (one Go build at a time), then the others start beside it.
    const workers = Array.from({ length: Math.max(1, globalConfig.maxWorkers) }, (_, i) => i + 1);
    const started: number[] = [];
    const ensure = async (n: number) => {
        const dir = workerRunDir(n);
        const status = fs.existsSync(path.join(dir, "bed.json")) ? await bed(dir, ["status"]).catch(() => "") : "";
        // Reused only as `bed up` would make it: every process up, istiod with the default CLUSTER_ID the suites assume.
        const healthy =
            /^istiod pid \d+ ready CLUSTER_ID cluster-1 /m.test(status) &&
            /^etcd pid \d+/m.test(status) &&
            /^controllers pid \d+/m.test(status) &&
            !status.includes("NOT READY") &&
            (status.match(/^cluster-\d+ pid \d+/gm)?.length ?? 0) >= clusters;
        if (!healthy) {
            process.stderr.write(await bed(dir, ["up", "--clusters", String(clusters)]));
            started.push(n);
        }
        await bed(dir, ["sample"]);
    };
    await ensure(workers[0]);
    await Promise.all(workers.slice(1).map(ensure));
    fs.mkdirSync(path.dirname(startedMarker), { recursive: true });
    fs.writeFileSync(startedMarker, JSON.stringify(started));
}
