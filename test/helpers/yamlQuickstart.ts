// The config examples/yaml-quickstart takes, filled from the bed: a YAML program has no code that reads the bed.
import * as fs from "fs";
import { bedEnv } from "../../bed/bed";

/** The three clusters' kubeconfigs (secrets) and istiod's cluster ID. */
export function yamlQuickstartConfig(): Record<string, { value: string; secret?: boolean }> {
    const env = bedEnv();
    const [hosted, east1, west1] = env.MULTINET_BED_KUBECONFIGS.split(":").map((f) => ({
        value: fs.readFileSync(f, "utf8"),
        secret: true,
    }));
    return { hosted, east1, west1, controlPlaneId: { value: env.MULTINET_CONTROL_PLANE_ID } };
}
