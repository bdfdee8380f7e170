// The components of a topology (see bed/topology.ts), declared from pulumi-multinet's classes: what the topology
// program deploys on the bed (index.ts) and what the unit tests run under Pulumi's mocks (test/unit/badInput.test.ts),
// one declaration for both. Type imports only: the caller passes the package (the program its built one, the tests
// the sources loaded after the mocks), and the kubeconfig of each cluster.
import type * as pulumi from "@pulumi/pulumi";
import type * as Multinet from "pulumi-multinet";
import type { Topology } from "../../topology";

/** `group`: the export of a group another stack manages (t.references), e.g. from a StackReference. */
export function buildTopology(
    multinet: typeof Multinet,
    t: Topology,
    kubeconfig: (cluster: string) => pulumi.Input<string>,
    group: (reference: NonNullable<Topology["references"]>[number]) => pulumi.Input<Multinet.NetworkGroupExport> = () => {
        throw new Error("no group stack to reference here");
    },
) {
    const multiNetworking = (mesh: Topology) =>
        new multinet.MultiNetworking(mesh.meshId, {
            meshId: mesh.meshId,
            controlPlane: mesh.controlPlane,
            remoteSecrets: mesh.remoteSecrets,
            skipAwait: mesh.skipAwait,
            awaitTimeoutSeconds: mesh.awaitTimeoutSeconds,
            remoteSecretRotation: mesh.remoteSecretRotation,
            clusters: mesh.clusters.map((c) => ({ ...c, kubeconfig: kubeconfig(c.name) })),
        });
    const mn = multiNetworking(t);
    const groups = new Map(
        t.groups.map((g) => [
            g.name,
            new multinet.NetworkGroup(g.name, { multiNetworking: mn, networkName: g.networkName, clusters: g.clusters }),
        ]),
    );
    const gateways = new Map(
        t.gateways.map((g) => {
            const { group, name, ...rest } = g;
            return [name, new multinet.EastWestGateway(name, { networkGroup: groups.get(group)!, ...rest })];
        }),
    );
    // A hub stack's groups that group stacks manage.
    const references = new Map(
        (t.references ?? []).map((r) => [r.name, new multinet.NetworkGroupReference(r.name, { multiNetworking: mn, group: group(r) })]),
    );
    const interconnect = t.interconnect
        ? new multinet.Interconnect(t.meshId, {
              multiNetworking: mn,
              controlPlaneRestart: t.interconnect.controlPlaneRestart,
              members: t.interconnect.members.map((m) =>
                  references.has(m.group)
                      ? { networkGroup: references.get(m.group)!, addresses: m.addresses }
                      : {
                            networkGroup: groups.get(m.group)!,
                            gateways: (m.gateways ?? []).map((g) => gateways.get(g)!),
                            addresses: m.addresses,
                        },
              ),
          })
        : undefined;

    // Further meshes in the same program, with their groups (for rules that span meshes).
    for (const other of t.otherMeshes ?? []) {
        const omn = multiNetworking(other);
        for (const g of other.groups)
            new multinet.NetworkGroup(g.name, { multiNetworking: omn, networkName: g.networkName, clusters: g.clusters });
    }
    return { multiNetworking: mn, groups, gateways, interconnect };
}
