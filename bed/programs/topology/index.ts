// Builds the topology described by config `topology` (see bed/topology.ts); kubeconfigs come from the
// secret config `kubeconfigs` (cluster name -> kubeconfig text).
import * as pulumi from "@pulumi/pulumi";
import * as multinet from "pulumi-multinet";
import type { Topology } from "../../topology";

const cfg = new pulumi.Config();
const t = cfg.requireObject<Topology>("topology");
const kubeconfigs = cfg.requireSecretObject<Record<string, string>>("kubeconfigs");

const multiNetworking = (mesh: Topology) =>
    new multinet.MultiNetworking(mesh.meshId, {
        meshId: mesh.meshId,
        controlPlane: mesh.controlPlane,
        remoteSecrets: mesh.remoteSecrets,
        skipAwait: mesh.skipAwait,
        awaitTimeoutSeconds: mesh.awaitTimeoutSeconds,
        remoteSecretRotation: mesh.remoteSecretRotation,
        clusters: mesh.clusters.map((c) => ({ ...c, kubeconfig: kubeconfigs.apply((k) => k[c.name] ?? "") })),
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
    (t.references ?? []).map((r) => [
        r.name,
        new multinet.NetworkGroupReference(r.name, {
            multiNetworking: mn,
            group: new pulumi.StackReference(r.stack).requireOutput("groupExports").apply((e) => e[r.name]),
        }),
    ]),
);
const ic = t.interconnect
    ? new multinet.Interconnect(t.meshId, {
          multiNetworking: mn,
          controlPlaneRestart: t.interconnect.controlPlaneRestart,
          members: t.interconnect.members.map((m) =>
              references.has(m.group)
                  ? { networkGroup: references.get(m.group)!, addresses: m.addresses }
                  : {
                        networkGroup: groups.get(m.group)!,
                        gateways: m.gateways.map((g) => gateways.get(g)!),
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

export const gatewayRule = mn.gatewayRule;
export const networks = Object.fromEntries([...groups].map(([n, g]) => [n, { networkName: g.networkName, clusters: g.clusters }]));
export const addresses = Object.fromEntries([...gateways].map(([n, g]) => [n, g.address]));
// null, not undefined, without an interconnect: the engine warns about undefined outputs.
export const interconnected = ic?.networks ?? null;
export const meshNetworks = ic?.meshNetworks ?? null;
export const controlPlaneRestarts = ic?.controlPlaneRestarts ?? null;
// A group stack's groups as the hub references them.
export const groupExports =
    t.controlPlane.cluster === undefined
        ? Object.fromEntries(
              [...groups].map(([n, g]) => [n, g.export(t.gateways.filter((gw) => gw.group === n).map((gw) => gateways.get(gw.name)!))]),
          )
        : null;
