// Running a `pulumi` command the way a user's terminal does, and killing it the way a crash would.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import { bedEnv } from "../../bed/bed";

/** Every live descendant of a process, from /proc. */
export function descendants(root: number): number[] {
    const parent = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        } catch {
            /* gone */
        }
    }
    const out: number[] = [];
    const walk = (pid: number) => parent.forEach((pp, p) => pp === pid && (out.push(p), walk(p)));
    walk(root);
    return out;
}

/** Starts `pulumi <args>` for a stack in a program folder, in the background. */
export function startPulumi(cwd: string, stack: string, args: string[]): ChildProcess & { exited: Promise<unknown> } {
    const env = { ...process.env, ...bedEnv(), PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
    const child = spawn("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd, env, stdio: "ignore" });
    return Object.assign(child, { exited: new Promise((r) => child.on("exit", r)) });
}

/** SIGKILL a process and everything it started (plugins run in process groups of their own), as a crash would. */
export async function killTree(child: ChildProcess & { exited: Promise<unknown> }): Promise<void> {
    for (const pid of [child.pid!, ...descendants(child.pid!)]) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            /* gone */
        }
    }
    await child.exited;
}
