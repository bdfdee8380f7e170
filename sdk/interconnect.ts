import * as pulumi from "@pulumi/pulumi";
import { RestartPolicy } from "../core/names";
import { gatewayEndpointText } from "../core/meshNetworks";
import { interconnectSchema, parseArgs } from "../core/validate";
import { addressProblems, exportedMember, memberProblems } from "../core/rules";
import { InterconnectResource } from "./dynamic";
import { known, warnBeforeChanges } from "./previewReads";
import { NetworkGroupReference } from "./networkGroupReference";
import { EastWestGateway } from "./eastWestGateway";
import { fail, validate } from "./errors";
import { MultiNetworking } from "./multiNetworking";
import { NetworkGroup } from "./networkGroup";

export interface InterconnectMemberArgs {
    /**
     * A group of this Interconnect's MultiNetworking that joins the interconnect, each group at most once: a
     * NetworkGroup of this stack, or a NetworkGroupReference to one a group stack manages.
     */
    networkGroup: NetworkGroup | NetworkGroupReference;
    /**
     * The group's east-west gateways through which other groups reach it: at least one, all of this group. Leave it
     * out for a NetworkGroupReference: its gateways are those the group stack exported.
     */
    gateways?: EastWestGateway[];
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
        const cpCluster = mn.controlPlaneCluster(this, label, "the interconnect");
        members.forEach((m, i) => {
            if (m?.networkGroup instanceof NetworkGroupReference) {
                if (m.networkGroup.multiNetworking !== mn)
                    fail(this, label, [
                        `members[${i}].networkGroup: a NetworkGroupReference of another MultiNetworking; reference the group from this mesh's`,
                    ]);
                if (m.gateways !== undefined)
                    fail(this, label, [
                        `members[${i}].gateways: a NetworkGroupReference brings the gateways its group stack exported; leave gateways out`,
                    ]);
                return;
            }
            if (!(m?.networkGroup instanceof NetworkGroup))
                fail(this, label, [`members[${i}].networkGroup: pass a NetworkGroup or a NetworkGroupReference`]);
            if (!Array.isArray(m.gateways) || m.gateways.some((g) => !(g instanceof EastWestGateway)))
                fail(this, label, [`members[${i}].gateways: pass a list of EastWestGateway resources`]);
            // Groups and gateways of another mesh would be joined into this mesh's meshNetworks.
            if (m.networkGroup.multiNetworking !== mn || m.gateways!.some((g) => g.networkGroup.multiNetworking !== mn))
                fail(this, label, [
                    `members[${i}] ("${m.networkGroup.spec.networkName}"): belongs to another MultiNetworking (mesh ` +
                        `"${m.networkGroup.multiNetworking.meshId}"); an Interconnect joins groups and gateways of its own mesh only`,
                ]);
        });
        // Members of this stack's groups are checked now; those of referenced groups once their exports are known,
        // with all the others (a group listed twice across the two).
        const views = members.map((m) =>
            m.networkGroup instanceof NetworkGroup
                ? {
                      networkName: m.networkGroup.spec.networkName,
                      gateways: m.gateways!.map((g) => ({
                          name: g.spec.name,
                          networkName: g.spec.networkName,
                          requestedAddress: g.spec.requestedAddress,
                      })),
                      addresses: m.addresses,
                  }
                : pulumi.unsecret(m.networkGroup.export).apply((e) => exportedMember(e, m.addresses)),
        );
        fail(this, label, memberProblems(views.map((v) => (pulumi.Output.isInstance(v) ? { reference: true as const } : v))));
        const checked = pulumi.all(views).apply((all) => {
            fail(this, label, memberProblems(all));
            return all;
        });

        // Only `addresses` waits for the gateways; names of this stack's groups stay known, so a preview can compare them.
        const memberInputs = members.map((m, i) => {
            const group = m.networkGroup;
            if (group instanceof NetworkGroup)
                return {
                    networkName: group.spec.networkName,
                    addresses: pulumi
                        .all(m.gateways!.map((g) => pulumi.all([g.address, g.port])))
                        .apply((endpoints) => this.published(label, i, group.spec.networkName, endpoints, m.addresses)),
                };
            return {
                networkName: group.networkName,
                addresses: pulumi.all([pulumi.unsecret(group.export), checked]).apply(([e]) =>
                    this.published(
                        label,
                        i,
                        e.networkName,
                        e.gateways.map((g) => [g.address, g.port]),
                        m.addresses,
                    ),
                ),
            };
        });
        const networks = checked.apply((all) => all.map((v) => v.networkName).sort());
        const cp = mn.controlPlane;
        warnBeforeChanges(async () => {
            const joined = await known(networks);
            const message = joined && (await mn.restartWarning({ networks: joined, policy: controlPlaneRestart }));
            if (message) pulumi.log.warn(message, this);
        });
        const ic = new InterconnectResource(
            name,
            {
                ...mn.commonInputs([cpCluster]),
                controlPlaneCluster: cpCluster,
                namespace: cp.namespace,
                configMap: cp.configMap,
                deployment: cp.deployment,
                members: memberInputs,
                controlPlaneRestart,
                networks,
                istiod: mn.awaitIstiod,
            },
            { parent: this, dependsOn: [...(mn.rule ? [mn.rule] : []), ...members.map((m) => m.networkGroup.group)] },
        );
        this.networks = ic.networks;
        this.meshNetworks = ic.meshNetworks;
        this.controlPlaneRestarts = ic.controlPlaneRestarts;
        this.registerOutputs({ networks: this.networks, meshNetworks: this.meshNetworks, controlPlaneRestarts: this.controlPlaneRestarts });
    }

    /** A member's published endpoints: its gateways' endpoints at the chosen addresses (all of them by default). */
    private published(label: string, i: number, networkName: string, endpoints: [string, number][], addresses?: string[]): string[] {
        const gatewayAddresses = endpoints.map(([address]) => address);
        const chosen = addresses ?? gatewayAddresses;
        fail(this, label, addressProblems(`members[${i}] ("${networkName}")`, chosen, gatewayAddresses));
        return endpoints.filter(([address]) => chosen.includes(address)).map(([address, port]) => gatewayEndpointText({ address, port }));
    }
}
