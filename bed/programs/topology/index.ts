// Builds the topology described by config `topology` (see bed/topology.ts, and build.ts for the components); kubeconfigs
// come from the secret config `kubeconfigs` (cluster name -> kubeconfig text).
import * as pulumi from "@pulumi/pulumi";
import * as multinet from "pulumi-multinet";
import type { Topology } from "../../topology";
// With its extension: the bed runs the program with Node's own TypeScript support (ES module resolution).
import { buildTopology } from "./build.ts";

const cfg = new pulumi.Config();
const t = cfg.requireObject<Topology>("topology");
const kubeconfigs = cfg.requireSecretObject<Record<string, string>>("kubeconfigs");

const {
    multiNetworking: mn,
    groups,
    gateways,
    interconnect: ic,
} = buildTopology(
    multinet,
    t,
    (name) => kubeconfigs.apply((k) => k[name] ?? ""),
    (r) => new pulumi.StackReference(r.stack).requireOutput("groupExports").apply((e) => e[r.name]),
);

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
