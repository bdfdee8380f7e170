// Reads of a cluster's Istio install that the providers' preview checks and `pulumi-multinet check` share: the
// networks its sidecar injectors give Pods, our east-west gateway as it stands, and istiod's root certificate.
import * as crypto from "crypto";
import * as YAML from "yaml";
import { Cluster } from "./kube";
import { injectorNetworks, InjectorWebhooks } from "../core/injection";
import { crossNetworkPort, eastWest, labels } from "../core/names";
import type { KubeObject } from "../core/render";
import type { ClusterFacts } from "../core/check";

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** `values.global.network` of an injector ConfigMap (its `values` key is JSON, read as YAML by istiod). */
function valuesNetwork(cm: ConfigMap | undefined): string | undefined {
    try {
        const network = (YAML.parse(cm?.data?.values ?? "") as any)?.global?.network;
        return typeof network === "string" && network !== "" ? network : undefined;
    } catch {
        return undefined;
    }
}

/** The injector ConfigMaps of a cluster (istio-sidecar-injector and its revisions'), by name. */
async function injectorConfigMaps(c: Cluster, namespace: string): Promise<Map<string, ConfigMap>> {
    const all = await c.list<ConfigMap>("v1", "ConfigMap", "", namespace);
    return new Map(all.filter((cm) => /^istio-sidecar-injector(-|$)/.test(cm.metadata.name)).map((cm) => [cm.metadata.name, cm]));
}

/**
 * The networks the sidecar injectors of `c` give Pods (see core/injection.ts, injectorNetworks). `controlPlane`: the
 * control-plane cluster, whose injector values apply to a cluster that has none of its own (a remote install).
 */
export async function readInjectorNetworks(
    c: Cluster,
    namespace: string,
    controlPlane?: Cluster,
): Promise<{ source: string; network: string }[]> {
    const [configs, own, cp] = await Promise.all([
        c.list<KubeObject & InjectorWebhooks>("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", ""),
        injectorConfigMaps(c, namespace),
        controlPlane && controlPlane !== c ? injectorConfigMaps(controlPlane, namespace) : Promise.resolve(new Map<string, ConfigMap>()),
    ]);
    return injectorNetworks(configs, (name) => {
        if (own.has(name)) return { network: valuesNetwork(own.get(name)), source: `ConfigMap ${namespace}/${name} values.global.network` };
        if (cp.has(name))
            return {
                network: valuesNetwork(cp.get(name)),
                source: `ConfigMap ${namespace}/${name} values.global.network on the control-plane cluster "${controlPlane!.name}"`,
            };
        return undefined;
    });
}

type Service = KubeObject & {
    spec?: { type?: string; ports?: { port: number; nodePort?: number }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
};
type Deployment = KubeObject & {
    spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
    status?: { availableReplicas?: number };
};

/** Our east-west gateway of `meshId` on `c`, as it stands (undefined: none). */
export async function readGateway(c: Cluster, namespace: string, meshId: string): Promise<ClusterFacts["gateway"]> {
    const [svc, deployment] = await Promise.all([
        c.get<Service>("v1", "Service", eastWest.name, namespace),
        c.get<Deployment>("apps/v1", "Deployment", eastWest.name, namespace),
    ]);
    if (!svc || svc.metadata.labels?.[labels.mesh] !== meshId) return undefined;
    const ingress = svc.status?.loadBalancer?.ingress?.[0];
    const address = ingress?.ip ?? ingress?.hostname;
    // A NodePort gateway's address is the user's, not the Service's: only a load balancer's can go stale.
    const endpoint = svc.spec?.type === "LoadBalancer" && address ? { address, port: crossNetworkPort } : undefined;
    return {
        network: deployment?.spec?.template?.metadata?.labels?.[labels.network],
        endpoint,
        replicas: deployment?.spec?.replicas ?? 0,
        available: deployment?.status?.availableReplicas ?? 0,
    };
}

/** SHA-256 fingerprints of the certificates in istiod's root certificate ConfigMap (undefined: none there). */
export async function readRootCerts(c: Cluster, namespace: string): Promise<string[] | undefined> {
    const cm = await c.get<ConfigMap>("v1", "ConfigMap", "istio-ca-root-cert", namespace);
    const pem = cm?.data?.["root-cert.pem"];
    if (!pem) return undefined;
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return blocks.map((b) => {
        try {
            return new crypto.X509Certificate(b).fingerprint256;
        } catch {
            return crypto.createHash("sha256").update(b).digest("hex");
        }
    });
}

/** Services labelled with a network that expose 15443: what istiod registers as gateways besides meshNetworks. */
export async function readLabelledServices(c: Cluster): Promise<{ object: string; network: string }[]> {
    const services = await c.list<Service>("v1", "Service", labels.network);
    return services
        .filter((s) => s.spec?.ports?.some((p) => p.port === crossNetworkPort))
        .map((s) => ({ object: `Service ${s.metadata.namespace}/${s.metadata.name}`, network: s.metadata.labels![labels.network] }));
}
