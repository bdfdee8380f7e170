// The dynamic-provider objects the engine serializes into state. Each is a thin shim: it requires the provider
// module when called (by package name, else by this install's path), so state holds a few lines, not our code.
import * as pulumi from "@pulumi/pulumi";

type ProviderName = "gatewayRuleProvider" | "networkGroupProvider" | "eastWestGatewayProvider" | "interconnectProvider";

const installedProviderPath = require.resolve("../provider");

function shim(name: ProviderName): pulumi.dynamic.ResourceProvider {
    const load = (): any => {
        try {
            return require("pulumi-multinet/provider")[name];
        } catch {
            return require(installedProviderPath)[name];
        }
    };
    return {
        async check(olds: any, news: any) {
            const p = load();
            return p.check ? p.check(olds, news) : { inputs: news };
        },
        async diff(id: string, olds: any, news: any) {
            return load().diff(id, olds, news);
        },
        async create(inputs: any) {
            return load().create(inputs);
        },
        async read(id: string, props: any) {
            return load().read(id, props);
        },
        async update(id: string, olds: any, news: any) {
            return load().update(id, olds, news);
        },
        async delete(id: string, props: any) {
            return load().delete(id, props);
        },
    };
}

// One module-level instance each: serialized once per program.
export const providers = {
    gatewayRule: shim("gatewayRuleProvider"),
    networkGroup: shim("networkGroupProvider"),
    eastWestGateway: shim("eastWestGatewayProvider"),
    interconnect: shim("interconnectProvider"),
};

/** A dynamic resource whose `kubeconfigs` input and output stay secret. */
export class MultinetResource extends pulumi.dynamic.Resource {
    constructor(provider: pulumi.dynamic.ResourceProvider, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(provider, name, props, { ...opts, additionalSecretOutputs: ["kubeconfigs"] });
    }
}

/** Stack identity stored on every object we write, so two stacks never take each other's objects. */
export function ownerIdentity(): string {
    return `${pulumi.getProject()}/${pulumi.getStack()}`;
}
