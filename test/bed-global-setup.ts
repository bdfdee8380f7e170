import * as fs from "fs";
import * as path from "path";
import { healthy, readState, up } from "../bed/bed";
import { cacheDir } from "../bed/paths";

/** Marker: this jest run started the bed, so its teardown stops it. A bed started by hand is left running. */
export const startedMarker = path.join(cacheDir, "started-by-jest");

/** Bed tests need four clusters (the interconnect table moves clusters between three groups). */
const needed = Number(process.env.MULTINET_BED_CLUSTERS ?? 4);

export default async function globalSetup(): Promise<void> {
    if ((await healthy()) && readState()!.clusters.length >= needed) return;
    await up(needed);
    fs.writeFileSync(startedMarker, String(process.pid));
}
