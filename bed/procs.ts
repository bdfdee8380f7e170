// Background processes of the bed: started detached with a pid file on a free port; awaited until they answer;
// stopped by pid, or all at once by a scan of /proc for command lines that name the bed's run folder, so leftovers
// of a crashed run are found and stopped too.
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { pidDir, runDir } from "./paths";

export function startProcess(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): number {
    fs.mkdirSync(pidDir, { recursive: true });
    const log = logFileOf(name);
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const out = fs.openSync(log, "a");
    const child = spawn(bin, args, { detached: true, stdio: ["ignore", out, out], env, cwd });
    fs.closeSync(out);
    child.on("error", () => undefined); // reported below: no pid
    if (child.pid === undefined) throw new Error(`could not start ${name} (${bin})`);
    fs.writeFileSync(path.join(pidDir, `${name}.pid`), String(child.pid));
    child.unref();
    return child.pid;
}

export function pidOf(name: string): number | undefined {
    try {
        const pid = Number(fs.readFileSync(path.join(pidDir, `${name}.pid`), "utf8"));
        return isOurs(pid) ? pid : undefined;
    } catch {
        return undefined;
    }
}

function cmdline(pid: number): string[] | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
        return undefined;
    }
}

/**
 * Whether a command line names a run folder: as a whole argument (the controllers take it so), a path inside it,
 * or a flag's value. Not a mere prefix: another bed's run folder may start with this one's name.
 */
export function namesRunDir(args: string[], dir: string): boolean {
    return args.some((a) => a === dir || a.endsWith(`=${dir}`) || a.includes(dir + path.sep));
}

/** A pid is ours only while its command line names the run folder (pids get reused). */
function isOurs(pid: number, dir: string = runDir): boolean {
    const args = Number.isInteger(pid) && pid > 0 ? cmdline(pid) : undefined;
    return args !== undefined && namesRunDir(args, dir);
}

/** Every live process whose command line names a run folder (by default this bed's), from a scan of /proc. */
export function ourProcesses(dir: string = runDir): number[] {
    const pids = new Set<number>();
    for (const entry of fs.readdirSync("/proc")) {
        const pid = Number(entry);
        if (pid !== process.pid && isOurs(pid, dir)) pids.add(pid);
    }
    return [...pids];
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(name: string, graceMs = 10_000): Promise<void> {
    const pid = pidOf(name);
    if (pid !== undefined) await terminate([pid], graceMs);
    fs.rmSync(path.join(pidDir, `${name}.pid`), { force: true });
}

export async function stopAll(): Promise<void> {
    await terminate(ourProcesses());
    fs.rmSync(pidDir, { recursive: true, force: true });
}

async function terminate(pids: number[], graceMs = 10_000): Promise<void> {
    const signal = (pid: number, sig: NodeJS.Signals) => {
        try {
            process.kill(pid, sig);
        } catch {
            /* already gone */
        }
    };
    pids.forEach((pid) => signal(pid, "SIGTERM"));
    const deadline = Date.now() + graceMs;
    while (pids.some((p) => isOurs(p)) && Date.now() < deadline) await sleep(100);
    pids.filter((p) => isOurs(p)).forEach((pid) => signal(pid, "SIGKILL"));
    while (pids.some((p) => isOurs(p))) await sleep(50);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A free port below the kernel's ephemeral range (32768 and up): a server the bed restarts (istiod) binds its port
 * again, and an outgoing connection's ephemeral port there would make that fail with "address already in use".
 */
export async function freePort(): Promise<number> {
    const tryPort = (port: number) =>
        new Promise<boolean>((resolve) => {
            const srv = net.createServer();
            srv.unref();
            srv.on("error", () => resolve(false));
            srv.listen(port, "0.0.0.0", () => srv.close(() => resolve(true)));
        });
    for (let i = 0; i < 200; i++) {
        const port = 10000 + crypto.randomInt(22000);
        if (!usedPorts.has(port) && (await tryPort(port))) {
            usedPorts.add(port);
            return port;
        }
    }
    throw new Error("no free port below 32000");
}
const usedPorts = new Set<number>();

/** Polls `probe` (a failure counts as "not yet") until it holds; else an error with the last lines of `logFile`. */
export async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, logFile?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await probe().catch(() => false)) return;
        await sleep(200);
    }
    const tail =
        logFile && fs.existsSync(logFile)
            ? `\n--- last lines of ${logFile}:\n${fs.readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n")}`
            : "";
    throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s${tail}`);
}

/** The log file of the bed process `name` (startProcess writes its output there). */
export function logFileOf(name: string): string {
    return path.join(runDir, "logs", `${name}.log`);
}
