// `tsx bench/profile.ts [clusters]`: where a no-op `pulumi up` of the bench's topology spends its time. Profiles
// every Node process of one (the program's and the dynamic provider's) and prints, per process, its life span and
// CPU by package (Node's own work, such as compiling a module, charged to the package that asked for it) and by
// function. Uses the running bed of that size (or starts one); leaves it up.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { up } from "../bed/bed";
import { Stack } from "../bed/stack";
import { TopologyStack } from "../bed/topology";
import { benchTopology } from "./topology";

const n = Number(process.argv[2] ?? 8);

/**
 * Loaded into every Node process with NODE_OPTIONS=--require. Not --cpu-prof: the engine kills the provider
 * without letting it exit, so the profile is written in slices every 500 ms (and at exit) instead.
 */
const preload = `
const inspector = require("inspector"), fs = require("fs"), path = require("path");
const s = new inspector.Session();
s.connect();
let slice = 0;
s.post("Profiler.enable");
s.post("Profiler.setSamplingInterval", { interval: 500 });
s.post("Profiler.start");
const flush = () => s.post("Profiler.stop", (err, r) => {
    if (!err) fs.writeFileSync(path.join(process.env.MULTINET_PROF_DIR, process.pid + "." + slice++ + ".cpuprofile"), JSON.stringify(r.profile));
    s.post("Profiler.start");
});
setInterval(flush, 500).unref();
process.on("exit", flush);
`;

interface CpuProfile {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
}

/** Who a frame's time belongs to: a package of node_modules, a folder of this repository, Node itself. */
function owner(url: string): string {
    if (!url) return "(native/gc/idle)";
    const nm = url.lastIndexOf("node_modules/");
    if (nm >= 0) {
        const rest = url.slice(nm + 13).split("/");
        return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
    }
    if (url.startsWith("node:")) return "node:*";
    const file = url.replace(/^file:\/\//, "");
    const root = path.resolve(__dirname, "..") + "/";
    if (!file.startsWith(root)) return file.endsWith("preload.js") ? "(the profiler)" : path.basename(file);
    return file.slice(root.length).split("/").slice(0, 2).join("/");
}

function summarize(files: string[]): string[] {
    const byOwner = new Map<string, number>();
    const byFn = new Map<string, number>();
    let idle = 0;
    let start = Infinity;
    let end = 0;
    for (const file of files) {
        const p: CpuProfile = JSON.parse(fs.readFileSync(file, "utf8"));
        start = Math.min(start, p.startTime);
        end = Math.max(end, p.endTime);
        const byId = new Map(p.nodes.map((x) => [x.id, x]));
        const parent = new Map<number, number>();
        for (const x of p.nodes) for (const child of x.children ?? []) parent.set(child, x.id);
        /** The nearest frame of a package or of this repository: who asked for Node's (or V8's) work. */
        const payer = (id: number): string => {
            for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
                const o = owner(byId.get(at)!.callFrame.url);
                if (o !== "node:*" && o !== "(native/gc/idle)") return o;
            }
            return owner(byId.get(id)!.callFrame.url);
        };
        p.samples.forEach((id, i) => {
            const us = p.timeDeltas[i] ?? 0;
            const f = byId.get(id)!.callFrame;
            if (f.functionName === "(idle)") {
                idle += us;
                return;
            }
            const who = payer(id);
            byOwner.set(who, (byOwner.get(who) ?? 0) + us);
            const key = `${f.functionName || "(anonymous)"} ${owner(f.url)}:${f.lineNumber + 1}`;
            byFn.set(key, (byFn.get(key) ?? 0) + us);
        });
    }
    const top = (m: Map<string, number>, k: number) =>
        [...m]
            .sort((a, b) => b[1] - a[1])
            .slice(0, k)
            .map(([name, us]) => `${(us / 1e6).toFixed(2)} s ${name}`);
    const busy = [...byOwner.values()].reduce((a, b) => a + b, 0) / 1e6;
    return [
        `${(end - start) / 1e6 > 0 ? ((end - start) / 1e6).toFixed(2) : "?"} s alive, ${busy.toFixed(2)} s on CPU (${(idle / 1e6).toFixed(2)} s idle)`,
        `  by owner: ${top(byOwner, 10).join(", ")}`,
        ...top(byFn, 8).map((l) => `    ${l}`),
    ];
}

/** One `up` of `stack` with every Node process profiled into a fresh folder of `root`; prints each process's summary. */
async function profiled(what: string, stack: Stack, root: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(root, "run-"));
    const hook = path.join(dir, "preload.js");
    fs.writeFileSync(hook, preload);
    const started = Date.now();
    const r = await stack.run(["up", "--yes", "--skip-preview"], { NODE_OPTIONS: `--require ${hook}`, MULTINET_PROF_DIR: dir });
    const wall = (Date.now() - started) / 1000;
    if (r.code !== 0) throw new Error(r.stdout + r.stderr);
    console.log(`\n${what}, profiled: ${wall.toFixed(2)} s wall (profiles in ${dir})`);
    const byPid = new Map<string, string[]>();
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".cpuprofile"))) {
        const pid = f.split(".")[0];
        byPid.set(pid, [...(byPid.get(pid) ?? []), path.join(dir, f)]);
    }
    // The short-lived ones are the language host's probes of Node (its version, the program's folder).
    for (const [pid, files] of byPid) {
        const lines = summarize(files);
        if (!lines[0].startsWith("0.0")) console.log(`process ${pid}: ${lines.join("\n")}`);
    }
}

async function main(): Promise<void> {
    await up({ clusters: n }, (m) => console.log(`   ${m}`));
    const stack = new TopologyStack(`profile${n}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "multinet-prof-"));
    try {
        await stack.create(n);
        await stack.apply(benchTopology(n));
        await stack.up(); // warm: the no-op measured below is the second
        await profiled(`no-op up at ${n} clusters`, stack, dir);
        const empty = new Stack(path.join(__dirname, "..", "bed", "programs", "empty"), "profile-empty");
        try {
            await empty.init({});
            await empty.up();
            await profiled("the empty program's up", empty, dir);
        } finally {
            await empty.remove();
        }
    } finally {
        await stack.remove();
    }
}

main().catch((e) => {
    console.error(`profile: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
});
