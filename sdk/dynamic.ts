// The dynamic resources the components are made of, one class per kind with its own type name and typed
// outputs. The provider objects the engine serializes into state are thin shims: they require the provider
// module when called (by package name, else by this install's path), so state holds a few lines, not our code.
import * as pulumi from "@pulumi/pulumi";
import type { EastWestGatewayInputs, EastWestGatewayOutputs } from "../provider/resources/eastWestGateway";
import type { GatewayRuleInputs, GatewayRuleOutputs } from "../provider/resources/gatewayRule";
import type { InterconnectMember } from "../core/meshNetworks";
import type { InterconnectInputs, InterconnectOutputs } from "../provider/resources/interconnect";
import type { NetworkGroupInputs, NetworkGroupOutputs } from "../provider/resources/networkGroup";
import type { RemoteSecretInputs, RemoteSecretOutputs } from "../provider/resources/remoteSecret";
import type { ReaderCredentialInputs, ReaderCredentialOutputs } from "../provider/resources/readerCredential";
import type { OutputOnly } from "../provider/resources/common";

type ProviderName =
    | "gatewayRuleProvider"
    | "networkGroupProvider"
    | "eastWestGatewayProvider"
    | "interconnectProvider"
    | "remoteSecretProvider"
    | "readerCredentialProvider";

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
            return load().check(olds, news);
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
const providers = {
    gatewayRule: shim("gatewayRuleProvider"),
    networkGroup: shim("networkGroupProvider"),
    eastWestGateway: shim("eastWestGatewayProvider"),
    interconnect: shim("interconnectProvider"),
    remoteSecret: shim("remoteSecretProvider"),
    readerCredential: shim("readerCredentialProvider"),
};

/** A provider's inputs as the SDK passes them: every field may be an Input. */
type Args<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** Outputs the provider adds to its inputs, every one (tsc says which is missing): declared `undefined` so the engine reports them. */
function unset<O extends I, I>(keys: OutputOnly<I, O>): Record<string, undefined> {
    return Object.fromEntries(Object.keys(keys).map((k) => [k, undefined]));
}

/**
 * Options every dynamic resource of the package gets: `kubeconfigs` (and any `secretOutputs`) stays secret in its outputs, and the alias
 * of the type name all of them had before 0.2 (`pulumi-nodejs:dynamic:Resource`) keeps existing stacks.
 */
function options(opts: pulumi.CustomResourceOptions, secretOutputs: string[] = []): pulumi.CustomResourceOptions {
    return {
        ...opts,
        additionalSecretOutputs: ["kubeconfigs", ...secretOutputs],
        aliases: [...(opts.aliases ?? []), { type: "pulumi-nodejs:dynamic:Resource" }],
    };
}

/** The cross-network Gateway Rule on the control-plane cluster (the "enable" switch). */
export class GatewayRuleResource extends pulumi.dynamic.Resource {
    declare readonly gatewayRule: pulumi.Output<GatewayRuleOutputs["gatewayRule"]>;
    constructor(name: string, args: Args<GatewayRuleInputs>, opts: pulumi.CustomResourceOptions) {
        super(
            providers.gatewayRule,
            name,
            { ...args, ...unset<GatewayRuleOutputs, GatewayRuleInputs>({ gatewayRule: true, liveSpec: true }) },
            options(opts),
            "multinet",
            "GatewayRule",
        );
    }
}

/** One cluster istiod reads: the reader access in it and its remote secret on the control-plane cluster. */
export class RemoteSecretResource extends pulumi.dynamic.Resource {
    declare readonly remoteSecret: pulumi.Output<RemoteSecretOutputs["remoteSecret"]>;
    constructor(name: string, args: Args<RemoteSecretInputs>, opts: pulumi.CustomResourceOptions) {
        super(
            providers.remoteSecret,
            name,
            {
                ...args,
                ...unset<RemoteSecretOutputs, RemoteSecretInputs>({ remoteSecret: true, wroteServer: true, liveServer: true }),
            },
            options(opts),
            "multinet",
            "RemoteSecret",
        );
    }
}

/** In a group stack: the reader istiod will read one cluster with, its kubeconfig a secret output for the hub. */
export class ReaderCredentialResource extends pulumi.dynamic.Resource {
    declare readonly kubeconfig: pulumi.Output<ReaderCredentialOutputs["kubeconfig"]>;
    constructor(name: string, args: Args<ReaderCredentialInputs>, opts: pulumi.CustomResourceOptions) {
        super(
            providers.readerCredential,
            name,
            { ...args, ...unset<ReaderCredentialOutputs, ReaderCredentialInputs>({ kubeconfig: true, previousRotation: true }) },
            options(opts, ["kubeconfig"]),
            "multinet",
            "ReaderCredential",
        );
    }
}

/** A network group's namespace labels and meshNetworks entry. */
export class NetworkGroupResource extends pulumi.dynamic.Resource {
    declare readonly networkName: pulumi.Output<NetworkGroupOutputs["networkName"]>;
    declare readonly clusters: pulumi.Output<NetworkGroupOutputs["clusters"]>;
    constructor(name: string, args: Args<NetworkGroupInputs>, opts: pulumi.CustomResourceOptions) {
        super(
            providers.networkGroup,
            name,
            { ...args, ...unset<NetworkGroupOutputs, NetworkGroupInputs>({ live: true, liveEntry: true }) },
            options(opts),
            "multinet",
            "NetworkGroup",
        );
    }
}

/** An east-west gateway's objects on one cluster. */
export class EastWestGatewayResource extends pulumi.dynamic.Resource {
    declare readonly address: pulumi.Output<EastWestGatewayOutputs["address"]>;
    declare readonly publishedPort: pulumi.Output<EastWestGatewayOutputs["publishedPort"]>;
    declare readonly cluster: pulumi.Output<EastWestGatewayOutputs["cluster"]>;
    constructor(name: string, args: Args<EastWestGatewayInputs>, opts: pulumi.CustomResourceOptions) {
        super(
            providers.eastWestGateway,
            name,
            {
                ...args,
                ...unset<EastWestGatewayOutputs, EastWestGatewayInputs>({ address: true, publishedPort: true, applied: true, drift: true }),
            },
            options(opts),
            "multinet",
            "EastWestGateway",
        );
    }
}

/** The interconnect's members in meshNetworks, and the control-plane restarts they cost. */
export class InterconnectResource extends pulumi.dynamic.Resource {
    declare readonly networks: pulumi.Output<InterconnectOutputs["networks"]>;
    declare readonly meshNetworks: pulumi.Output<InterconnectOutputs["meshNetworks"]>;
    declare readonly controlPlaneRestarts: pulumi.Output<InterconnectOutputs["controlPlaneRestarts"]>;
    /** Members stay a plain list whose addresses may be unknown in a preview, so their names stay comparable. */
    constructor(
        name: string,
        args: Args<Omit<InterconnectInputs, "members">> & { members: Args<InterconnectMember>[] },
        opts: pulumi.CustomResourceOptions,
    ) {
        super(
            providers.interconnect,
            name,
            {
                ...args,
                ...unset<InterconnectOutputs, InterconnectInputs>({
                    meshNetworks: true,
                    liveMeshNetworks: true,
                    controlPlaneRestarts: true,
                    owedRestart: true,
                }),
            },
            options(opts),
            "multinet",
            "Interconnect",
        );
    }
}

/** `<project>/<stack>`: with the mesh id, the owner value stamped on every object we write (see ownership). */
export function ownerIdentity(): string {
    return `${pulumi.getProject()}/${pulumi.getStack()}`;
}
