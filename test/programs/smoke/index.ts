// One dynamic resource that server-side-applies a ConfigMap with @kubernetes/client-node, the kubeconfig
// arriving as a Pulumi secret.
import * as pulumi from "@pulumi/pulumi";

interface Inputs {
    kubeconfig: string;
    name: string;
    value: string;
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs) {
        const k8s = require("@kubernetes/client-node");
        const kc = new k8s.KubeConfig();
        kc.loadFromString(inputs.kubeconfig);
        const client = k8s.KubernetesObjectApi.makeApiClient(kc);
        await client.patch(
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: inputs.name, namespace: "default" }, data: { value: inputs.value } },
            undefined, undefined, "multinet-smoke", true, k8s.PatchStrategy.ServerSideApply,
        );
        return { id: `default/${inputs.name}`, outs: inputs };
    },
    async delete(_id: string, outs: Inputs) {
        const k8s = require("@kubernetes/client-node");
        const kc = new k8s.KubeConfig();
        kc.loadFromString(outs.kubeconfig);
        await k8s.KubernetesObjectApi.makeApiClient(kc).delete({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: outs.name, namespace: "default" } });
    },
};

class SmokeConfigMap extends pulumi.dynamic.Resource {
    constructor(name: string, args: { kubeconfig: pulumi.Input<string>; name: string; value: string }) {
        super(provider, name, args, { additionalSecretOutputs: ["kubeconfig"] });
    }
}

const cfg = new pulumi.Config();
new SmokeConfigMap("smoke", { kubeconfig: cfg.requireSecret("kubeconfig"), name: cfg.get("name") ?? "multinet-smoke", value: cfg.get("value") ?? "hello" });
