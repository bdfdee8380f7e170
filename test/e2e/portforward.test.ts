// istiod reached as istioctl reaches it: its Pod found by label on the control-plane cluster, then a port-forward
// through that cluster's API server (pods/portforward) to the kubelet of the Pod's node, which the bed plays
// (bed/go/kubelet) in front of the istiod process. With kubectl, istioctl and @kubernetes/client-node.
import { execFile, spawn } from "child_process";
import * as path from "path";
import { bedEnv, istiodDebug } from "../../bed/bed";
import { podName } from "../../bed/istiod";
import { Live } from "../../bed/topology";
import { repoRoot } from "../../bed/paths";

const live = new Live();
const kubeconfig = (user: "admin" | "viewer" = "admin", n = 1) =>
    user === "admin" ? live.state.clusters[n - 1].kubeconfig : live.state.clusters[n - 1].viewerKubeconfig;

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(cmd, args, { env: { ...process.env, ...bedEnv() }, timeout: 60_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

/** test/helpers/podGet.ts in a Node process of its own: client-node is ESM-only, which jest cannot load. */
const podGet = (kc: string, pod: string, port: number, apiPath: string) =>
    run(process.execPath, [
        path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs"),
        path.join(repoRoot, "test", "helpers", "podGet.ts"),
        kc,
        "istio-system",
        pod,
        String(port),
        apiPath,
    ]);

describe("istiod through pods/portforward", () => {
    test("istioctl's query finds the istiod Pod Running and Ready, on a Ready node the API server reaches by InternalIP", async () => {
        const pods = await live.get(
            1,
            "/api/v1/namespaces/istio-system/pods?labelSelector=app%3Distiod&fieldSelector=status.phase%3DRunning",
        );
        expect(pods.items.map((p: any) => p.metadata.name)).toEqual([podName]);
        const pod = pods.items[0];
        expect(pod.metadata.labels["istio.io/rev"]).toBe("default");
        expect(pod.metadata.annotations["prometheus.io/port"]).toBe("15014");
        expect(pod.status.conditions.find((c: any) => c.type === "Ready").status).toBe("True");
        const node = await live.get(1, `/api/v1/nodes/${pod.spec.nodeName}`);
        expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
        expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(live.state.kubelet!.port);
        expect(node.status.conditions.find((c: any) => c.type === "Ready").status).toBe("True");
    });

    test("kubectl port-forward reaches istiod's monitoring port", async () => {
        const child = spawn("kubectl", ["--kubeconfig", kubeconfig(), "-n", "istio-system", "port-forward", `pod/${podName}`, ":15014"], {
            env: { ...process.env, ...bedEnv() },
            stdio: ["ignore", "pipe", "pipe"],
        });
        try {
            const localPort = await new Promise<number>((resolve, reject) => {
                let out = "";
                child.stdout.on("data", (d) => {
                    out += d;
                    const m = out.match(/Forwarding from 127\.0\.0\.1:(\d+) -> 15014/);
                    if (m) resolve(Number(m[1]));
                });
                child.on("exit", (code) => reject(new Error(`kubectl port-forward exited with ${code}: ${out}`)));
            });
            const r = await fetch(`http://127.0.0.1:${localPort}/debug/clusterz`);
            expect(r.status).toBe(200);
            expect(await r.json()).toEqual(await istiodDebug("clusterz"));
        } finally {
            child.kill();
        }
    });

    test("istioctl reaches istiod the same way", async () => {
        const r = await run("istioctl", ["--kubeconfig", kubeconfig(), "x", "internal-debug", "clusterz"]);
        expect(r.stderr).toBe("");
        expect(JSON.parse(r.stdout)).toEqual(await istiodDebug("clusterz"));
    });

    test("so does client-node's PortForward; a missing pod, a port nothing listens on, a user without the right and a cluster without the Pod fail with their reason", async () => {
        const ok = await podGet(kubeconfig(), podName, 15014, "/debug/clusterz");
        expect(ok.stderr).toBe("");
        const response = JSON.parse(ok.stdout);
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body)).toEqual(await istiodDebug("clusterz"));

        const failures = await Promise.all([
            podGet(kubeconfig(), "istiod-missing", 15014, "/debug/clusterz"),
            podGet(kubeconfig(), podName, 15099, "/debug/clusterz"),
            podGet(kubeconfig("viewer"), podName, 15014, "/debug/clusterz"),
            podGet(kubeconfig("admin", 2), podName, 15014, "/debug/clusterz"),
        ]);
        expect(failures.map((f) => f.code)).toEqual([1, 1, 1, 1]);
        expect(failures.map((f) => f.stderr.trim())).toEqual([
            "pods/portforward of istio-system/istiod-missing: Unexpected server response: 404",
            expect.stringMatching(
                /^error forwarding port 15099 to pod istio-system\/istiod-bed, uid : failed to connect to localhost:15099/,
            ),
            `pods/portforward of istio-system/${podName}: Unexpected server response: 403`,
            `pods/portforward of istio-system/${podName}: Unexpected server response: 404`,
        ]);
    });
});
