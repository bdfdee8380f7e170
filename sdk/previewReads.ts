// Reads of the clusters that only a preview makes, for warnings that must name a resource (see
// provider/preview.ts). The provider module, and the Kubernetes client with it, loads only when they run.
import * as pulumi from "@pulumi/pulumi";

export function previewReads(): typeof import("../provider/preview") {
    return require("../provider/preview");
}

/** An Input's value when it is known (in a preview it may not be); never waits on an unknown. */
export async function known<T>(value: pulumi.Input<T>): Promise<T | undefined> {
    const o = pulumi.output(value) as any;
    return (await o.isKnown) ? o.promise() : undefined;
}

/** Runs `task` in a preview only, keeping the program alive until it has said what it has to say. */
export function duringPreview(task: () => Promise<void>): void {
    if (!pulumi.runtime.isDryRun()) return;
    const done = pulumi.runtime.rpcKeepAlive();
    task()
        .catch(() => undefined) // a read that fails says nothing; the providers' checks report unreachable clusters
        .finally(done);
}
