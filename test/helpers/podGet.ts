// GET a path on a pod's port through the API server (pods/portforward) with @kubernetes/client-node's PortForward,
// as istioctl reaches istiod. client-node is ESM-only and jest cannot load it, so tests run this file in a Node
// process of its own (tsx), as the provider runs: `podGet <kubeconfig file> <namespace> <pod> <port> <path>` prints
// {status, body} as JSON, or the error on stderr with exit code 1.
import * as fs from "fs";
import * as http from "http";
import { duplexPair, Writable } from "stream";

export interface PodResponse {
    status: number;
    body: string;
}

/**
 * No local port: the HTTP client's connection is one end of a duplex pair, PortForward's websocket has the other.
 * Rejects with the API server's answer to the upgrade (pod missing: 404; no `create` on pods/portforward: 403), or
 * with the kubelet's reason when the forward itself fails (nothing listens on the port).
 */
export function podGet(kubeconfig: string, namespace: string, pod: string, port: number, path: string, timeoutMs = 10_000) {
    const k8s = require("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfig);
    return new Promise<PodResponse>((resolve, reject) => {
        const [local, remote] = duplexPair();
        let kubeletError = ""; // the port's error stream: why the kubelet could not forward
        const errors = new Writable({
            write(chunk, _encoding, done) {
                kubeletError += chunk.toString();
                done();
            },
        });
        let ws: any;
        let settled = false;
        const settle = (error?: Error, response?: PodResponse) => {
            if (settled) return;
            settled = true;
            ws?.close(); // the websocket would keep the process alive
            local.destroy();
            if (error) reject(error);
            else resolve(response!);
        };
        remote.on("error", () => undefined); // data after settling
        new k8s.PortForward(kc).portForward(namespace, pod, [port], remote, errors, remote).then(
            (socket: any) => {
                ws = socket;
                if (settled) return ws.close();
                // The forward ends (the pod's server closed, or the kubelet failed): end our side too.
                ws.on("close", () => (kubeletError ? settle(new Error(kubeletError)) : remote.end()));
            },
            // A failed upgrade is ws's ErrorEvent, not an Error: { message: "Unexpected server response: 404", error }.
            (e: any) => settle(new Error(`pods/portforward of ${namespace}/${pod}: ${e?.message ?? e}`)),
        );
        const req = http.request({ createConnection: () => local, path, headers: { Connection: "close" }, timeout: timeoutMs }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => settle(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", (e) => settle(e));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer from ${namespace}/${pod} port ${port} within ${timeoutMs} ms`)));
        req.on("error", (e) => settle(kubeletError ? new Error(kubeletError) : e));
        req.end();
    });
}

if (require.main === module) {
    const [kubeconfig, namespace, pod, port, path] = process.argv.slice(2);
    podGet(fs.readFileSync(kubeconfig, "utf8"), namespace, pod, Number(port), path).then(
        (r) => console.log(JSON.stringify(r)),
        (e) => {
            console.error(e.message);
            process.exitCode = 1;
        },
    );
}
