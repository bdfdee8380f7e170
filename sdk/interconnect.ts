import * as pulumi from "@pulumi/pulumi";
import { RestartPolicy } from "../core/names";
import { gatewayEndpointText } from "../core/meshNetworks";
import { interconnectSchema, parseArgs } from "../core/validate";
import { addressProblems, memberProblems } from "../core/rules";
import { InterconnectResource } from "./dynamic";
import { warnBeforeChanges } from "./previewReads";
import { EastWestGateway } from "./eastWestGateway";
import { fail, validate } from "./errors";
import { MultiNetworking } from "./multiNetworking";
import { NetworkGroup } from "./networkGroup";

export interface InterconnectMemberArgs {
    /** A group of this Interconnect's MultiNetworking that joins the interconnect; each group at most once. */
    networkGroup: NetworkGroup;
    /** The group's east-west gateways through which other groups reach it: at least one, all of this group. */
    gateways: EastWestGateway[];
    /**
     * Which of those gateways' addresses to publish; each must be an address of one of them.
     * @default all of them
     */
    addresses?: string[];
}

export interface InterconnectArgs {
    /** The mesh's multi-networking; a mesh has one Interconnect. */
    multiNetworking: MultiNetworking;
    /** The groups that reach each other, with their gateways. */
    members: InterconnectMemberArgs[];
    /**
     * `"onMembershipChange"`: roll the control-plane Deployment once per update in which networks join or leave, as
     * the hosted product does. `"never"`: rely on istiod's hot reload of meshNetworks.
     * @default "onMembershipChange"
     */
    controlPlaneRestart?: RestartPolicy;
}

/**
 * The interconnect: the groups that reach each other, through their gateways. Each member's meshNetworks entry
 * lists its chosen gateway addresses (on port 15443, or the gateway's port) (groups outside it stay behind a discard address), preserving
 * entries of others. `pulumi preview` warns, on this resource, when an update will restart the control plane.
 */
export class Interconnect extends pulumi.ComponentResource {
    /** Network names that are interconnected. */
    readonly networks: pulumi.Output<string[]>;
    /** Our meshNetworks entries, rendered as YAML. */
    readonly meshNetworks: pulumi.Output<string>;
    /** How many control-plane restarts this stack's interconnect has made. */
    readonly controlPlaneRestarts: pulumi.Output<number>;

    constructor(name: string, args: InterconnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multinet:index:Interconnect", name, {}, opts);
        const label = `Interconnect "${name}"`;
        const mn = args?.multiNetworking;
        if (!(mn instanceof MultiNetworking))
            throw new pulumi.ResourceError(`${label}: multiNetworking: pass the MultiNetworking resource of the mesh`, this, true);
        if (mn.registry.interconnects > 0)
            fail(this, label, [`multiNetworking: the mesh already has an Interconnect; a mesh has one, listing every member`]);
        mn.registry.interconnects++;
        const { controlPlaneRestart } = validate(this, () =>
            parseArgs(interconnectSchema, { controlPlaneRestart: args.controlPlaneRestart }, label),
        );
        const members = args.members ?? [];
        members.forEach((m, i) => {
            if (!(m?.networkGroup instanceof NetworkGroup)) fail(this, label, [`members[${i}].networkGroup: pass a NetworkGroup`]);
            if (!Array.isArray(m.gateways) || m.gateways.some((g) => !(g instanceof EastWestGateway)))
                fail(this, label, [`members[${i}].gateways: pass a list of EastWestGateway resources`]);
            // Groups and gateways of another mesh would be joined into this mesh's meshNetworks.
            if (m.networkGroup.multiNetworking !== mn || m.gateways.some((g) => g.networkGroup.multiNetworking !== mn))
                fail(this, label, [
                    `members[${i}] ("${m.networkGroup.spec.networkName}"): belongs to another MultiNetworking (mesh ` +
                        `"${m.networkGroup.multiNetworking.meshId}"); an Interconnect joins groups and gateways of its own mesh only`,
                ]);
        });
        fail(
            this,
            label,
            memberProblems(
                members.map((m) => ({
                    networkName: m.networkGroup.spec.networkName,
                    gateways: m.gateways.map((g) => ({
                        name: g.spec.name,
                        networkName: g.spec.networkName,
                        requestedAddress: g.spec.requestedAddress,
                    })),
                    addresses: m.addresses,
                })),
            ),
        );

        // Only `addresses` waits for the gateways; names stay known, so a preview can compare them.
        const memberInputs = members.map((m, i) => ({
            networkName: m.networkGroup.spec.networkName,
            addresses: pulumi.all(m.gateways.map((g) => pulumi.all([g.address, g.port]))).apply((endpoints) => {
                const gatewayAddresses = endpoints.map(([address]) => address);
                const chosen = m.addresses ?? gatewayAddresses;
                fail(this, label, addressProblems(`members[${i}] ("${m.networkGroup.spec.networkName}")`, chosen, gatewayAddresses));
                return endpoints
                    .filter(([address]) => chosen.includes(address))
                    .map(([address, port]) => gatewayEndpointText({ address, port }));
            }),
        }));
        const cp = mn.controlPlane;
        const networks = members.map((m) => m.networkGroup.spec.networkName).sort();
        warnBeforeChanges(async () => {
            const message = await mn.restartWarning({ networks, policy: controlPlaneRestart });
            if (message) pulumi.log.warn(message, this);
        });
        const ic = new InterconnectResource(
            name,
            {
                ...mn.commonInputs([cp.cluster]),
                controlPlaneCluster: cp.cluster,
                namespace: cp.namespace,
                configMap: cp.configMap,
                deployment: cp.deployment,
                members: memberInputs,
                controlPlaneRestart,
                networks,
                istiod: mn.awaitIstiod,
            },
            { parent: this, dependsOn: [mn.rule, ...members.map((m) => m.networkGroup.group)] },
        );
        this.networks = ic.networks;
        this.meshNetworks = ic.meshNetworks;
        this.controlPlaneRestarts = ic.controlPlaneRestarts;
        this.registerOutputs({ networks: this.networks, meshNetworks: this.meshNetworks, controlPlaneRestarts: this.controlPlaneRestarts });
    }
}
