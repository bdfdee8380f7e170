// A mesh of fake clusters (test/helpers/fakeCluster.ts) and the inputs the SDK gives each provider for it, as
// sdk/*.ts builds them: the quickstart's three clusters, "hosted" running the control plane.
import type { EastWestGatewayInputs } from "../../provider/resources/eastWestGateway";
import type { GatewayRuleInputs } from "../../provider/resources/gatewayRule";
import type { InterconnectInputs } from "../../provider/resources/interconnect";
import type { NetworkGroupInputs } from "../../provider/resources/networkGroup";
import type { RemoteSecretInputs } from "../../provider/resources/remoteSecret";
import type { InterconnectMember } from "../../core/meshNetworks";
import { clearFakeClusters, FakeCluster, istioCluster } from "./fakeCluster";

export const meshId = "mesh1";
/** `<project>/<stack>` of the stack under test, and of another one. */
export const owner = "proj/dev";
export const otherOwner = "proj/other";
/** The owner value stamped on objects, and its field manager. */
export const ours = `${owner}/${meshId}`;
export const ourManager = `pulumi-multinet/${ours}`;
export const theirs = `${otherOwner}/${meshId}`;
export const theirManager = `pulumi-multinet/${theirs}`;
export const ns = "istio-system";

export interface Mesh {
    hosted: FakeCluster;
    east: FakeCluster;
    west: FakeCluster;
}

/** What the providers said on stderr (their warnings) since the last fakeMesh(). */
export const said: string[] = [];
let quiet: jest.SpyInstance | undefined;

/**
 * Fresh fake clusters `hosted` (control plane), `east-1` and `west-1`, registered for Cluster.connect. The providers'
 * warnings go to `said` instead of the test's output.
 */
export function fakeMesh(): Mesh {
    clearFakeClusters();
    said.length = 0;
    quiet ??= jest.spyOn(console, "error").mockImplementation((m) => void said.push(String(m)));
    return {
        hosted: istioCluster("hosted", { controlPlane: true }),
        east: istioCluster("east-1"),
        west: istioCluster("west-1"),
    };
}

export const clusterNames = ["hosted", "east-1", "west-1"];

/** What every resource carries; `who` another stack's identity. */
export function common(clusters: string[], who = owner) {
    return { meshId, owner: who, kubeconfigs: Object.fromEntries(clusters.map((c) => [c, `kubeconfig of ${c}`])) };
}

const meshConfig = { controlPlaneCluster: "hosted", namespace: ns, configMap: "istio" };

export function gatewayRuleInputs(over: Partial<GatewayRuleInputs> = {}): GatewayRuleInputs {
    return {
        ...common(clusterNames),
        controlPlaneCluster: "hosted",
        controlPlaneClusterId: "hosted",
        deployment: "istiod",
        configMap: "istio",
        namespace: ns,
        clusters: clusterNames,
        clusterIds: Object.fromEntries(clusterNames.map((c) => [c, c])),
        remoteSecrets: "managed",
        ...over,
    };
}

export function groupInputs(networkName: string, clusters: string[], over: Partial<NetworkGroupInputs> = {}): NetworkGroupInputs {
    return { ...common([...clusters, "hosted"], over.owner), ...meshConfig, networkName, clusters, ...over };
}

export function gatewayInputs(cluster: string, networkName: string, over: Partial<EastWestGatewayInputs> = {}): EastWestGatewayInputs {
    return {
        ...common([cluster], over.owner),
        cluster,
        clusterId: cluster,
        namespace: ns,
        networkName,
        replicas: 1,
        serviceAnnotations: {},
        serviceType: "LoadBalancer",
        addressTimeoutSeconds: 5,
        ...over,
    };
}

export function interconnectInputs(members: InterconnectMember[], over: Partial<InterconnectInputs> = {}): InterconnectInputs {
    return {
        ...common(["hosted"], over.owner),
        ...meshConfig,
        deployment: "istiod",
        members,
        networks: members.map((m) => m.networkName).sort(),
        controlPlaneRestart: "onMembershipChange",
        ...over,
    };
}

export function remoteSecretInputs(cluster: string, over: Partial<RemoteSecretInputs> = {}): RemoteSecretInputs {
    return {
        ...common([cluster, "hosted"], over.owner),
        cluster,
        clusterId: cluster,
        server: "",
        controlPlaneCluster: "hosted",
        namespace: ns,
        tokenTimeoutSeconds: 2,
        rotation: "",
        ...over,
    };
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
