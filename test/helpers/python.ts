// The Python interpreter on PATH, for the tests that compile Python (the docs' example, the generated SDK). Python
// is not one of the project's requirements: without it those checks are reported as skipped, not passed.
import { execFileSync } from "child_process";

/** `python3` or `python`, the first that runs; undefined when neither does. */
export function findPython(): string | undefined {
    return ["python3", "python"].find((p) => {
        try {
            execFileSync(p, ["--version"], { stdio: "ignore" });
            return true;
        } catch {
            return false;
        }
    });
}
