// Validation errors of the components: raised as ResourceErrors without a stack trace, so the preview shows them
// on the resource, as one message, before anything is written.
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../core/validate";

/** Runs a validation; a ValidationError becomes a ResourceError on `resource` (shown at preview, nothing written). */
export function validate<T>(resource: pulumi.Resource, fn: () => T): T {
    try {
        return fn();
    } catch (e) {
        if (e instanceof ValidationError) throw new pulumi.ResourceError(e.message, resource, true);
        throw e;
    }
}

export function fail(resource: pulumi.Resource, label: string, problems: string[]): void {
    if (problems.length) throw new pulumi.ResourceError(problems.map((p) => `${label}: ${p}`).join("\n"), resource, true);
}
