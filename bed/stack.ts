// Runs the real Pulumi CLI of the bed against a program folder, one stack per test, state in the bed's backend.
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { bedEnv } from "./env";

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface PreviewJson {
    steps: { op: string; urn: string; diffReasons?: string[]; replaceReasons?: string[]; detailedDiff?: Record<string, unknown> }[];
    diagnostics?: { urn?: string; severity: string; message: string }[];
    changeSummary?: Record<string, number>;
}

export class Stack {
    readonly name: string;

    constructor(
        readonly programDir: string,
        prefix: string,
    ) {
        this.name = `${prefix}-${crypto.randomBytes(3).toString("hex")}`;
    }

    run(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
        const env = { ...process.env, ...bedEnv(), PULUMI_NODEJS_TRANSPILE_ONLY: "true", ...extraEnv };
        return new Promise((resolve) => {
            const dashDash = args.indexOf("--");
            const at = dashDash < 0 ? args.length : dashDash; // flags go before a `--`
            const argv = [...args.slice(0, at), "--stack", this.name, "--non-interactive", ...args.slice(at)];
            execFile("pulumi", argv, { cwd: this.programDir, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
                resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr });
            });
        });
    }

    async ok(args: string[]): Promise<RunResult> {
        const r = await this.run(args);
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
        return r;
    }

    async init(config: Record<string, { value: string; secret?: boolean }>): Promise<void> {
        await this.ok(["stack", "init"]);
        for (const [key, { value, secret }] of Object.entries(config)) {
            await this.ok(["config", "set", ...(secret ? ["--secret"] : ["--plaintext"]), key, "--", value]);
        }
    }

    up(): Promise<RunResult> {
        return this.ok(["up", "--yes", "--skip-preview"]);
    }

    async preview(): Promise<PreviewJson> {
        const r = await this.run(["preview", "--json"]);
        try {
            return JSON.parse(r.stdout);
        } catch {
            throw new Error(`pulumi preview --json printed no JSON (${r.code}):\n${r.stdout}\n${r.stderr}`);
        }
    }

    /** The stack's outputs, secrets in clear (tests compare them). */
    async outputs(): Promise<any> {
        return JSON.parse((await this.ok(["stack", "output", "--json", "--show-secrets"])).stdout);
    }

    async exportState(): Promise<string> {
        return (await this.ok(["stack", "export"])).stdout;
    }

    /** Destroys what is left and removes the stack and its config file (after an interrupted update too). */
    async remove(): Promise<void> {
        let destroyed = await this.run(["destroy", "--yes", "--skip-preview"]);
        if (destroyed.code !== 0 && !/no stack named/i.test(destroyed.stdout + destroyed.stderr)) {
            await this.run(["cancel", "--yes"]);
            await this.run(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
            destroyed = await this.run(["destroy", "--yes", "--skip-preview"]);
            // Said, not thrown: this runs in tests' cleanup, where an error would hide the test's own.
            if (destroyed.code !== 0)
                console.warn(
                    `stack ${this.name}: destroy failed; what it made may be left on the bed:\n${destroyed.stdout}\n${destroyed.stderr}`,
                );
        }
        await this.run(["stack", "rm", "--yes", "--force"]);
        fs.rmSync(path.join(this.programDir, `Pulumi.${this.name}.yaml`), { force: true });
    }
}
