// The environment the bed's tools run in: its bin folder (the built tools, Node 22 and the dynamic-provider plugin
// script, first on PATH), a local file backend for Pulumi, and the variables that point programs at a running bed.
import * as fs from "fs";
import * as path from "path";
import { backendDir, binDir, cacheDir, configPassphrase, repoRoot } from "./paths";
import { BedState, readState, requireState } from "./state";
import type { Tools } from "./tools";

/** Environment for the bed's Pulumi CLI and kubectl with a local file backend (no clusters implied). */
export function toolEnv(): Record<string, string> {
    return {
        PATH: [binDir, process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: configPassphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // Node's on-disk compile cache (Node >= 22.1): each preview and up starts two Node processes (the program and
        // the dynamic provider) that compile the same modules; cached, each spends about 0.25 s less CPU.
        NODE_COMPILE_CACHE: path.join(cacheDir, "node-compile-cache"),
    };
}

/** Environment for running the real tools against the bed (what `bed env` prints). */
export function bedEnv(state: BedState | undefined = readState()): Record<string, string> {
    const { clusters, istiod } = requireState(state);
    return {
        ...toolEnv(),
        MULTINET_BED_KUBECONFIGS: clusters.map((c) => c.kubeconfig).join(":"),
        ...(istiod
            ? {
                  MULTINET_ISTIOD_DEBUG: `http://127.0.0.1:${istiod.ports.monitoring}`,
                  MULTINET_ISTIOD_XDS: `127.0.0.1:${istiod.ports.grpc}`,
                  MULTINET_CONTROL_PLANE_ID: istiod.clusterId,
              }
            : {}),
    };
}

/** The bed's bin folder: the tools, Node 22 and the dynamic-provider plugin script, first on PATH. */
export function writeBinDir(tools: Tools): void {
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.mkdirSync(binDir, { recursive: true });
    const link = (target: string, name: string) => fs.symlinkSync(target, path.join(binDir, name));
    // Copied, not linked: the CLI (and the YAML host, for the plugins it starts) looks for language hosts beside its
    // own resolved path, and warns about one found elsewhere on PATH.
    fs.copyFileSync(tools.pulumi, path.join(binDir, "pulumi"));
    fs.copyFileSync(tools.yamlLanguageHost, path.join(binDir, "pulumi-language-yaml"));
    link(tools.languageHost, "pulumi-language-nodejs");
    link(tools.kubectl, "kubectl");
    link(tools.istioctl, "istioctl");
    link(process.execPath, "node"); // the Node 22 that runs this script (node@22 from the npm registry)
    // The dynamic-provider plugin: @pulumi/pulumi's dynamic provider, resolved from the program's folder.
    const script = path.join(binDir, "pulumi-resource-pulumi-nodejs");
    fs.writeFileSync(
        script,
        [
            "#!/bin/sh",
            `provider=$(node -p 'require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd(), ` +
                `${JSON.stringify(repoRoot)}] })') || exit 1`,
            'exec node "$provider" "$@"',
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
}
