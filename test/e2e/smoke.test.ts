// The whole chain: real engine, dynamic provider, @kubernetes/client-node server-side apply, bed cluster 2.
import * as path from "path";
import { endpoint, readState } from "../../bed/bed";
import { kubeRequest } from "../../bed/kubeapi";
import { bedKubeconfig, Stack } from "../helpers/pulumi";

const program = path.join(__dirname, "..", "programs", "smoke");

test("a dynamic resource applies a ConfigMap in bed cluster 2 and destroys it; no plaintext secret in state", async () => {
    const state = readState()!;
    const cluster2 = endpoint(state, state.clusters[1]);
    const stack = new Stack(program, "smoke");
    const configMapName = `smoke-${stack.name}`;
    const configMapPath = `/api/v1/namespaces/default/configmaps/${configMapName}`;
    try {
        await stack.init({ kubeconfig: { value: bedKubeconfig(2), secret: true }, name: { value: configMapName } });
        await stack.up();

        const live = await kubeRequest(cluster2, "GET", configMapPath);
        expect(live.status).toBe(200);
        expect(live.body.data).toEqual({ value: "hello" });
        expect(live.body.metadata.managedFields.map((f: any) => [f.manager, f.operation])).toContainEqual(["multinet-smoke", "Apply"]);

        const preview = await stack.preview();
        expect(preview.changeSummary).toEqual({ same: 2 });
        expect(preview.steps.filter((s) => s.op !== "same")).toEqual([]);

        const exported = await stack.exportState();
        expect(exported).not.toContain(state.adminTokens[1]);
        expect(exported).not.toContain("certificate-authority-data");

        await stack.ok(["destroy", "--yes", "--skip-preview"]);
        expect((await kubeRequest(cluster2, "GET", configMapPath)).status).toBe(404);
    } finally {
        await stack.remove();
    }
});
