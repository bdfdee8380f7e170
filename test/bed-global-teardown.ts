import * as fs from "fs";
import { down } from "../bed/bed";
import { startedMarker } from "./bed-global-setup";

export default async function globalTeardown(): Promise<void> {
    if (!fs.existsSync(startedMarker)) return;
    fs.rmSync(startedMarker, { force: true });
    await down();
}
