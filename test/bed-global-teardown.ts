import * as fs from "fs";
import { ourProcesses } from "../bed/procs";
import { bed, startedMarker, workerRunDir } from "./bed-global-setup";

export default async function globalTeardown(): Promise<void> {
    if (!fs.existsSync(startedMarker)) return;
    const started: number[] = JSON.parse(fs.readFileSync(startedMarker, "utf8"));
    fs.rmSync(startedMarker, { force: true });
    await Promise.all(started.map((n) => bed(workerRunDir(n), ["down"])));
    // `bed down` must leave nothing behind: a process still naming a stopped bed's run folder fails the run.
    const left = started.flatMap((n) => ourProcesses(workerRunDir(n)));
    for (const pid of left) process.kill(pid, "SIGKILL");
    if (left.length) throw new Error(`bed down left processes behind (killed now): ${left.join(", ")}`);
}
