// The restart policies are listed once, in core (restartPolicies); the copies that cannot derive from it follow it:
// the SDK's enum (a TypeScript enum, which the package schema is read from), the committed schema, and the README.
import * as fs from "fs";
import * as path from "path";
import { defaultRestartPolicy, restartPolicies } from "../../core/names";
import { ControlPlaneRestart } from "../../sdk/mesh";

const repo = path.join(__dirname, "..", "..");

test("the SDK's ControlPlaneRestart enum has exactly core's values", () => {
    expect(Object.values(ControlPlaneRestart)).toEqual([...restartPolicies]);
});

test("plugin/schema.json's ControlPlaneRestart has exactly core's values", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(repo, "plugin", "schema.json"), "utf8"));
    expect(schema.types["multinet:index:ControlPlaneRestart"].enum.map((e: { value: string }) => e.value)).toEqual([...restartPolicies]);
});

test("the README's Interconnect table names core's values and default", () => {
    const row = fs
        .readFileSync(path.join(repo, "README.md"), "utf8")
        .split("\n")
        .find((l) => l.startsWith("| `controlPlaneRestart` |"));
    const [, , values, fallback] = row!.split(/(?<!\\)\|/).map((c) => c.trim());
    expect(values).toBe(restartPolicies.map((p) => `\`"${p}"\``).join(" \\| "));
    expect(fallback).toBe(`\`"${defaultRestartPolicy}"\``);
});
