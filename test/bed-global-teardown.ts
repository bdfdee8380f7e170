import * as fs from "fs";
import { bed, startedMarker, workerRunDir } from "./bed-global-setup";

export default async function globalTeardown(): Promise<void> {
    if (!fs.existsSync(startedMarker)) return;
    const started: number[] = JSON.parse(fs.readFileSync(startedMarker, "utf8"));
    fs.rmSync(startedMarker, { force: true });
    await Promise.all(started.map((n) => bed(workerRunDir(n), ["down"])));
}
