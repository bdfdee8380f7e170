import * as fs from "fs";
import * as path from "path";
import { healthy, up } from "./bed";
import { cacheDir } from "./paths";

/** Marker: this jest run started the bed, so its teardown stops it. A bed started by hand is left running. */
export const startedMarker = path.join(cacheDir, "started-by-jest");

export default async function globalSetup(): Promise<void> {
    const clusters = Number(process.env.MULTINET_BED_CLUSTERS ?? 3);
    const wasUp = await healthy();
    await up(clusters);
    if (!wasUp) fs.writeFileSync(startedMarker, String(process.pid));
}
