// GET a path on a pod's port through the API server (pods/portforward), with the provider's own port-forward
// (provider/kube.ts, Cluster.podGet: @kubernetes/client-node's PortForward), as istioctl reaches istiod.
// client-node is ESM-only and jest cannot load it, so tests run this file in a Node process of its own (tsx), as
// the provider runs: `podGet <kubeconfig file> <namespace> <pod> <port> <path>` prints {status, body} as JSON, or
// the error on stderr with exit code 1.
import * as fs from "fs";
import { Cluster } from "../../provider/kube";

if (require.main === module) {
    const [kubeconfig, namespace, pod, port, path] = process.argv.slice(2);
    Cluster.connect({ name: "bed", kubeconfig: fs.readFileSync(kubeconfig, "utf8") })
        .podGet(namespace, pod, Number(port), path, 10_000)
        .then(
            (r) => console.log(JSON.stringify(r)),
            (e) => {
                console.error(e.message);
                process.exitCode = 1;
            },
        );
}
