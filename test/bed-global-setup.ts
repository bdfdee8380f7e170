import * as fs from "fs";
import * as path from "path";
import { bedEndpoint, healthy, readState, up } from "../bed/bed";
import { putSample } from "../bed/sample";
import { cacheDir } from "../bed/paths";

/** Marker: this jest run started the bed, so its teardown stops it. A bed started by hand is left running. */
export const startedMarker = path.join(cacheDir, "started-by-jest");

/** Bed tests need four clusters (the interconnect table moves clusters between three groups) and istiod. */
const needed = Number(process.env.MULTINET_BED_CLUSTERS ?? 4);

export default async function globalSetup(): Promise<void> {
    const running = readState();
    if (!((await healthy()) && running && running.clusters.length >= needed && running.istiod)) {
        await up({ clusters: needed });
        fs.writeFileSync(startedMarker, String(process.pid));
    }
    const state = readState()!;
    await putSample(state, (c) => bedEndpoint(state, c));
}
