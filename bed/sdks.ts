// The component package's schema and its Go and Python SDKs, generated from the built Mesh component:
// `pulumi package get-schema plugin` (the Node.js host analyses the TypeScript types), then Pulumi's own code
// generators (bed/go/gensdk). `npm run sdks` writes them into the repository; the SDK test writes them elsewhere
// and compares.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { toolEnv, writeBinDir } from "./env";
import { binDir, repoRoot } from "./paths";
import { ensureSdkGenerator, ensureTools } from "./tools";

/** Where, under a root, each generated artefact lives. */
export function sdkPaths(root: string): { schema: string; go: string; python: string } {
    return {
        schema: path.join(root, "plugin", "schema.json"),
        go: path.join(root, "sdks", "go"),
        python: path.join(root, "sdks", "python"),
    };
}

/** The package's schema as the Pulumi CLI reads it from plugin/ (needs `npm run build` first: plugin/ runs dist/). */
export function packageSchema(): string {
    const tools = ensureTools();
    if (!fs.existsSync(path.join(binDir, "pulumi"))) writeBinDir(tools);
    const out = execFileSync("pulumi", ["package", "get-schema", path.join(repoRoot, "plugin")], {
        encoding: "utf8",
        env: { ...process.env, ...toolEnv() },
        stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.stringify(JSON.parse(out), null, 2) + "\n";
}

/** Writes plugin/schema.json, sdks/go and sdks/python under `root`. */
export function generateSdks(root: string = repoRoot): void {
    const out = sdkPaths(root);
    fs.mkdirSync(path.dirname(out.schema), { recursive: true });
    fs.writeFileSync(out.schema, packageSchema());
    const gensdk = ensureSdkGenerator();
    for (const language of ["go", "python"] as const)
        execFileSync(gensdk, ["-schema", out.schema, "-language", language, "-out", out[language]], {
            stdio: ["ignore", "inherit", "inherit"],
        });
}

if (require.main === module) {
    generateSdks();
    console.error(`sdks: wrote plugin/schema.json, sdks/go and sdks/python`);
}
