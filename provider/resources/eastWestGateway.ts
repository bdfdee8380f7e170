// An east-west gateway on one cluster: ServiceAccount, Deployment, LoadBalancer Service, PodDisruptionBudget
// (replicas > 1). Waits for the load balancer's address, which is what meshNetworks needs.
import type * as pulumi from "@pulumi/pulumi";
import { Cluster, ClusterError } from "../kube";
import { injectorFor, MutatingWebhookConfiguration } from "../../core/injection";
import { crossNetworkPort, eastWest } from "../../core/names";
import { permissions } from "../../core/permissions";
import { eastWestGatewayObjects, EastWestGatewaySpec, KubeObject, UnrenderedGatewayArgs } from "../../core/render";
import type { ParsedGateway } from "../../core/validate";
import {
    missingPermissions,
    createOrUndo,
    deleteIfOwned,
    deleting,
    applyAs,
    assertOwned,
    notOwned,
    cluster,
    CommonInputs,
    drifted,
    fingerprint,
    hasUnknowns,
    ownership,
    ownerValue,
    poll,
    replacedBy,
    stateToRead,
    changedInputs,
    DiffKeys,
    refuseWhileHubReads,
} from "./common";

/** The gateway's parsed arguments (see EastWestGatewaySpec) with what every resource of the mesh carries. */
export interface EastWestGatewayInputs extends CommonInputs, EastWestGatewaySpec, Pick<ParsedGateway, UnrenderedGatewayArgs> {}

export interface EastWestGatewayOutputs extends EastWestGatewayInputs {
    /**
     * Where other networks reach the gateway: the load balancer's address (what the Service has, never what it
     * had), or with node ports the address the user gave.
     */
    address: string;
    /** The port other networks reach it at (what `port` says, else 15443, or the node port of its 15443 server). */
    publishedPort: number;
    /** Fingerprints of the objects applied last (an update applies only what changed). */
    applied: string[];
    /** Objects the cluster no longer holds as applied, at the last read (an update heals them). */
    drift: string[];
}

type Service = KubeObject & {
    spec?: { type?: string; ports?: { port: number; nodePort?: number }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
};

function loadBalancerAddress(svc: Service | undefined): string | undefined {
    const ingress = svc?.status?.loadBalancer?.ingress?.[0];
    return ingress?.ip ?? ingress?.hostname;
}

/** Where other networks reach the gateway, as the Service is now (undefined: not yet, a load balancer is pending). */
function publishedEndpoint(
    svc: Service | undefined,
    inputs: EastWestGatewayInputs,
): { address: string; publishedPort: number } | undefined {
    if (inputs.serviceType === "NodePort") {
        const nodePort = svc?.spec?.ports?.find((p) => p.port === crossNetworkPort)?.nodePort;
        const port = inputs.port ?? nodePort;
        return inputs.requestedAddress && port ? { address: inputs.requestedAddress, publishedPort: port } : undefined;
    }
    const address = loadBalancerAddress(svc);
    if (!address || (inputs.requestedAddress && address !== inputs.requestedAddress)) return undefined;
    return { address, publishedPort: inputs.port ?? crossNetworkPort };
}

async function waitForEndpoint(c: Cluster, inputs: EastWestGatewayInputs): Promise<{ address: string; publishedPort: number }> {
    let seen: string | undefined;
    return poll(
        async () => {
            const svc = await liveService(c, inputs);
            seen = loadBalancerAddress(svc);
            return publishedEndpoint(svc, inputs);
        },
        inputs.addressTimeoutSeconds,
        500,
        // Only advice that can work: a requested address the load balancer does not give is not fixed by setting it.
        () =>
            new ClusterError(
                c.name,
                `Service ${inputs.namespace}/${eastWest.name} got no load-balancer address within ${inputs.addressTimeoutSeconds} s ` +
                    (inputs.requestedAddress
                        ? `(it has ${seen ?? "none"}, not the requested ${inputs.requestedAddress}). Check that the cluster's load-balancer ` +
                          `implementation assigns spec.loadBalancerIP (many cloud load balancers ignore it and take the address from ` +
                          `an annotation in serviceAnnotations instead)`
                        : `(it has none). Check that the cluster has a load-balancer implementation (cloud controller, MetalLB) and ` +
                          `that serviceAnnotations suit it`) +
                    ` (kubectl -n ${inputs.namespace} describe service ${eastWest.name}); where no load balancer can serve it, set ` +
                    `serviceType: "NodePort" and requestedAddress to where other networks reach the nodes. Raise addressTimeoutSeconds ` +
                    `if it is merely slow. Istio must not use the gateway before it has an address.`,
            ),
    );
}

function render(inputs: EastWestGatewayInputs): KubeObject[] {
    return eastWestGatewayObjects(ownership(inputs), inputs);
}

/** Why the gateway's pods could never start on this cluster, or undefined (see core/injection.ts). */
async function injectionProblem(inputs: EastWestGatewayInputs): Promise<string | undefined> {
    if (inputs.proxyImage) return undefined; // a complete proxy container: nothing to inject
    const c = cluster(inputs, inputs.cluster);
    const deployment = render(inputs).find((o) => o.kind === "Deployment") as any;
    const [configs, ns] = await Promise.all([
        c.list<KubeObject & MutatingWebhookConfiguration>("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", ""),
        c.get<KubeObject>("v1", "Namespace", inputs.namespace),
    ]);
    if (injectorFor(configs, ns?.metadata.labels ?? {}, deployment.spec.template.metadata.labels)) return undefined;
    return (
        `cluster "${inputs.cluster}" has no Istio sidecar injector that selects the gateway's pods (namespace ${inputs.namespace}, ` +
        `label sidecar.istio.io/inject=true), ` +
        `so their "image: auto" would never become a proxy and they would not start. Install Istio there (e.g. ` +
        `istioctl install --set profile=remote), ` +
        `or set proxyImage on the EastWestGateway to a proxy image (e.g. "docker.io/istio/proxyv2:1.31.0") to run it without injection`
    );
}

const takenHint = "Delete it, or manage the gateway from the stack that made it; one east-west gateway per cluster.";

function liveService(c: Cluster, inputs: EastWestGatewayInputs): Promise<Service | undefined> {
    return c.get<Service>("v1", "Service", eastWest.name, inputs.namespace);
}

/** Applies what changed since `olds` (everything on create or after drift), then waits for the address. */
async function converge(olds: EastWestGatewayOutputs | undefined, inputs: EastWestGatewayInputs): Promise<EastWestGatewayOutputs> {
    const c = cluster(inputs, inputs.cluster);
    assertOwned(c, await liveService(c, inputs), ownerValue(inputs), takenHint);
    // What the last update applied is there still, unless the last read saw drift or the cluster is another now (a
    // new kubeconfig: a cluster rebuilt under its name, empty).
    const sameCluster = olds?.kubeconfigs?.[inputs.cluster] === inputs.kubeconfigs[inputs.cluster];
    const done = olds && olds.drift?.length === 0 && sameCluster ? (olds.applied ?? []) : [];
    const objects = render(inputs);
    for (const obj of objects) if (!done.includes(fingerprint(obj))) await applyAs(c, obj, ownerValue(inputs), true);
    // A PDB of ours left from more replicas (on create too: a failed earlier attempt); another's stays.
    if (inputs.replicas <= 1 && (!olds || olds.replicas > 1))
        await deleteIfOwned(
            c,
            { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: eastWest.name, namespace: inputs.namespace } },
            ownerValue(inputs),
        );
    const endpoint = await waitForEndpoint(c, inputs);
    return { ...inputs, ...endpoint, applied: objects.map(fingerprint), drift: [] };
}

/**
 * Deletes every object of the gateway that is ours, the PDB too (it exists only above one replica); in a group
 * stack's cluster, not while a hub still reads it (its meshNetworks may point at this gateway).
 */
async function remove(props: EastWestGatewayInputs): Promise<void> {
    const c = cluster(props, props.cluster);
    const what = `the east-west gateway (${eastWest.name} in ${props.namespace})`;
    await deleting(c, what, async () => {
        await refuseWhileHubReads(c, props.namespace, props.meshId, what);
        for (const obj of render({ ...props, replicas: 2 }).reverse()) await deleteIfOwned(c, obj, ownerValue(props));
    });
}

const diffKeys: DiffKeys<EastWestGatewayInputs, EastWestGatewayOutputs> = {
    replace: ["cluster", "namespace", "meshId"],
    outputs: { address: true, publishedPort: true, applied: true, drift: true },
    ignore: [],
};

export const eastWestGatewayProvider = {
    /** At preview: the cluster can start the gateway (an injector, or a proxy image). */
    async check(_olds: EastWestGatewayInputs | undefined, news: EastWestGatewayInputs) {
        if (hasUnknowns(news.kubeconfigs)) return { inputs: news };
        const c = cluster(news, news.cluster);
        const problems = await missingPermissions(c, permissions.gatewayCluster, news.namespace)
            .then(async (missing) =>
                missing.length
                    ? missing
                    : [notOwned(c, await liveService(c, news), ownerValue(news), takenHint), await injectionProblem(news)],
            )
            .catch((e: Error) => [e.message]);
        return {
            inputs: news,
            failures: problems
                .filter((p): p is string => !!p)
                .map((p) => ({ property: "cluster", reason: `EastWestGateway on "${news.cluster}": ${p}` })),
        };
    },

    async create(inputs: EastWestGatewayInputs) {
        const outs = await createOrUndo(
            () => converge(undefined, inputs),
            () => remove(inputs),
        );
        return { id: `${inputs.cluster}/${inputs.namespace}/${eastWest.name}`, outs };
    },

    async diff(_id: string, olds: EastWestGatewayOutputs, news: EastWestGatewayInputs) {
        const replaces = replacedBy(olds, news, diffKeys.replace);
        const drift = (olds.drift ?? []).length > 0 || !olds.applied;
        const changes = replaces.length > 0 || drift || changedInputs(olds, news, diffKeys).length > 0;
        // Same names in the same namespace: the old objects must go before new ones can be applied there.
        return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.cluster === news.cluster };
    },

    async update(_id: string, olds: EastWestGatewayOutputs, news: EastWestGatewayInputs) {
        return { outs: await converge(olds, news) };
    },

    async read(id: string, recorded?: EastWestGatewayOutputs) {
        const props = stateToRead("EastWestGateway", id, recorded);
        const c = cluster(props, props.cluster);
        const objects = render(props);
        const live = await Promise.all(objects.map((o) => c.get<KubeObject>(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace)));
        const svc = live[objects.findIndex((o) => o.kind === "Service")] as Service | undefined;
        const endpoint = publishedEndpoint(svc, props) ?? { address: "", publishedPort: props.publishedPort };
        return { id, props: { ...props, ...endpoint, drift: drifted(objects, live) } };
    },

    async delete(_id: string, props: EastWestGatewayOutputs): Promise<void> {
        await remove(props);
    },
} satisfies pulumi.dynamic.ResourceProvider<EastWestGatewayInputs, EastWestGatewayOutputs>;
