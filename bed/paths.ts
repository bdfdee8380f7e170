// Where the bed keeps its cache (built tools) and its running state, all outside the repository.
import * as os from "os";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "..");

/** Root of everything the bed writes: `MULTINET_BED_CACHE`, else `$XDG_CACHE_HOME/pulumi-multinet`. */
export const cacheDir =
    process.env.MULTINET_BED_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-multinet");

/** Built tools, one folder per tool and version, reused across beds. */
export const toolsDir = path.join(cacheDir, "tools");

/**
 * The running bed: certificates, kubeconfigs, pids, logs, audit logs, the Pulumi file backend. `MULTINET_BED_RUN`
 * places it elsewhere, so that several beds run side by side (the tests run one per jest worker).
 */
export const runDir = process.env.MULTINET_BED_RUN ?? path.join(cacheDir, "run");
export const binDir = path.join(runDir, "bin");
export const pidDir = path.join(runDir, "pids");
export const backendDir = path.join(runDir, "backend");
export const lbPausedFlag = path.join(runDir, "lb-paused");
export const stateFile = path.join(runDir, "bed.json");

export function clusterDir(index: number): string {
    return path.join(runDir, "clusters", `c${index}`);
}

/** Fixed passphrase of the bed's local stacks: the bed's secrets are throwaway test credentials. */
export const configPassphrase = "multinet-bed";
