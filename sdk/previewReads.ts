// Reads of the clusters a program makes before any change, for warnings that must name a resource (see
// provider/preview.ts): they run in the program (or, for Pulumi YAML, the component package's) process, in a
// preview and in an update alike. The provider module, and the Kubernetes client with it, loads only when they run.
import * as pulumi from "@pulumi/pulumi";

export function previewReads(): typeof import("../provider/preview") {
    return require("../provider/preview");
}

/** An Input's value when it is known (in a preview it may not be); never waits on an unknown. */
export async function known<T>(value: pulumi.Input<T>): Promise<T | undefined> {
    const o = pulumi.output(value) as any;
    return (await o.isKnown) ? o.promise() : undefined;
}

/**
 * Runs `task` while the program runs (a preview, or an update before its changes), keeping the program alive until
 * it has said what it has to say. Components declared later in the program have registered by the time it reads.
 */
export function warnBeforeChanges(task: () => Promise<void>): void {
    const done = pulumi.runtime.rpcKeepAlive();
    task()
        .catch(() => undefined) // a read that fails says nothing; the providers' checks report unreachable clusters
        .finally(done);
}
