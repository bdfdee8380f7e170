// An east-west gateway on one cluster: ServiceAccount, Deployment, LoadBalancer Service, PodDisruptionBudget
// (replicas > 1). Waits for the load balancer's address, which is what istiod and meshNetworks need.
import type * as pulumi from "@pulumi/pulumi";
import { Cluster, ClusterError } from "../kube";
import { eastWest, labels } from "../../core/names";
import { eastWestGatewayObjects, KubeObject } from "../../core/render";
import { assertOwned, cluster, CommonInputs, ownerOf, ownership, ownerValue, sameJson } from "./common";

export interface EastWestGatewayInputs extends CommonInputs {
    cluster: string;
    namespace: string;
    network: string;
    replicas: number;
    serviceAnnotations: Record<string, string>;
    requestedAddress?: string;
    addressTimeoutSeconds: number;
}

export interface EastWestGatewayOutputs extends EastWestGatewayInputs {
    address: string;
    /** What the cluster held at the last read, for drift: replicas, our annotations' values, network label. */
    live: { replicas: number | null; serviceAnnotations: Record<string, string | null>; network: string | null };
}

const kinds = [
    { apiVersion: "policy/v1", kind: "PodDisruptionBudget", name: eastWest.name },
    { apiVersion: "v1", kind: "Service", name: eastWest.name },
    { apiVersion: "apps/v1", kind: "Deployment", name: eastWest.name },
    { apiVersion: "v1", kind: "ServiceAccount", name: eastWest.serviceAccount },
];

function serviceAddress(svc: KubeObject | undefined): string | undefined {
    const ingress = (svc as any)?.status?.loadBalancer?.ingress?.[0];
    return ingress?.ip ?? ingress?.hostname;
}

async function waitForAddress(c: Cluster, inputs: EastWestGatewayInputs): Promise<string> {
    const deadline = Date.now() + inputs.addressTimeoutSeconds * 1000;
    for (;;) {
        const svc = await c.get<KubeObject>("v1", "Service", eastWest.name, inputs.namespace);
        const address = serviceAddress(svc);
        if (address && (!inputs.requestedAddress || address === inputs.requestedAddress)) return address;
        if (Date.now() >= deadline) {
            const seen = address ? `it has ${address}, not the requested ${inputs.requestedAddress}` : "it has none";
            throw new ClusterError(
                c.name,
                `Service ${inputs.namespace}/${eastWest.name} got no load-balancer address within ${inputs.addressTimeoutSeconds} s (${seen}). ` +
                    `Check that the cluster has a load-balancer implementation (cloud controller, MetalLB), that serviceAnnotations suit it ` +
                    `(kubectl -n ${inputs.namespace} describe service ${eastWest.name}), or set \`address\` to an address you assign; ` +
                    `raise addressTimeoutSeconds if it is merely slow. Istio must not use the gateway before it has an address.`,
            );
        }
        await new Promise((r) => setTimeout(r, 500));
    }
}

function render(inputs: EastWestGatewayInputs): KubeObject[] {
    return eastWestGatewayObjects(ownership(inputs), { ...inputs, address: inputs.requestedAddress });
}

function drifted(olds: EastWestGatewayOutputs): boolean {
    return !sameJson(olds.live, { replicas: olds.replicas, serviceAnnotations: olds.serviceAnnotations, network: olds.network });
}

/** Applies what changed since `olds` (everything on create or after drift), then waits for the address. */
async function converge(olds: EastWestGatewayOutputs | undefined, inputs: EastWestGatewayInputs): Promise<EastWestGatewayOutputs> {
    const c = cluster(inputs, inputs.cluster);
    const existing = await c.get<KubeObject>("v1", "Service", eastWest.name, inputs.namespace);
    assertOwned(c, existing, ownerValue(inputs), "Delete it, or manage the gateway from the stack that made it; one east-west gateway per cluster.");
    const before = olds && !drifted(olds) ? render(olds) : [];
    for (const obj of render(inputs)) {
        if (!before.some((b) => sameJson(b, obj))) await c.apply(obj, true);
    }
    // A PDB left from more replicas: known from the old state, looked up (a read, not a write) on create.
    const stalePdb = olds ? olds.replicas > 1 : (await c.get("policy/v1", "PodDisruptionBudget", eastWest.name, inputs.namespace)) !== undefined;
    if (inputs.replicas <= 1 && stalePdb) await c.delete("policy/v1", "PodDisruptionBudget", eastWest.name, inputs.namespace);
    const address = await waitForAddress(c, inputs);
    return { ...inputs, address, live: { replicas: inputs.replicas, serviceAnnotations: { ...inputs.serviceAnnotations }, network: inputs.network } };
}

export const eastWestGatewayProvider = {
    async create(inputs: EastWestGatewayInputs): Promise<pulumi.dynamic.CreateResult> {
        const outs = await converge(undefined, inputs);
        return { id: `${inputs.cluster}/${inputs.namespace}/${eastWest.name}`, outs };
    },

    async diff(_id: string, olds: EastWestGatewayOutputs, news: EastWestGatewayInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = (["cluster", "namespace", "meshId"] as const).filter((k) => olds[k] !== news[k]);
        const drift = drifted(olds);
        const fields = ["network", "replicas", "serviceAnnotations", "requestedAddress", "addressTimeoutSeconds", "kubeconfigs", "owner"] as const;
        const changes = replaces.length > 0 || drift || fields.some((k) => !sameJson(olds[k], news[k]));
        // Same names in the same namespace: the old objects must go before new ones can be applied there.
        return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.cluster === news.cluster };
    },

    async update(_id: string, olds: EastWestGatewayOutputs, news: EastWestGatewayInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await converge(olds, news) };
    },

    async read(id: string, props: EastWestGatewayOutputs): Promise<pulumi.dynamic.ReadResult> {
        const c = cluster(props, props.cluster);
        const [svc, deploy] = await Promise.all([
            c.get<KubeObject>("v1", "Service", eastWest.name, props.namespace),
            c.get<KubeObject>("apps/v1", "Deployment", eastWest.name, props.namespace),
        ]);
        const liveAnnotations: Record<string, string | null> = {};
        for (const k of Object.keys(props.serviceAnnotations)) liveAnnotations[k] = svc?.metadata.annotations?.[k] ?? null;
        const live = {
            replicas: (deploy as any)?.spec?.replicas ?? null,
            serviceAnnotations: liveAnnotations,
            network: svc?.metadata.labels?.[labels.network] ?? null,
        };
        return { id, props: { ...props, address: serviceAddress(svc) ?? props.address, live } };
    },

    async delete(_id: string, props: EastWestGatewayOutputs): Promise<void> {
        const c = cluster(props, props.cluster);
        const owner = ownerValue(props);
        for (const k of kinds) {
            const live = await c.get<KubeObject>(k.apiVersion, k.kind, k.name, props.namespace);
            if (live && ownerOf(live) === owner) await c.delete(k.apiVersion, k.kind, k.name, props.namespace);
        }
    },
};
