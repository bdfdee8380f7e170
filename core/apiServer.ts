// What a remote secret tells istiod about a cluster's API server, judged before it is written: an address that
// only the machine running pulumi reaches (a loopback one: kind, local tunnels) looks right and never syncs.
import * as YAML from "yaml";
import { parseIp } from "./validate";

/** The server of a kubeconfig's current context (undefined when the text does not say). */
export function kubeconfigServer(text: string): string | undefined {
    try {
        const k = YAML.parse(text);
        const context = k?.contexts?.find((c: any) => c?.name === k["current-context"])?.context;
        const server = k?.clusters?.find((c: any) => c?.name === context?.cluster)?.cluster?.server;
        return typeof server === "string" ? server : undefined;
    } catch {
        return undefined;
    }
}

/** Whether a URL's host is a loopback or unspecified address, or localhost: reachable only from the host itself. */
export function isLoopbackServer(server: string): boolean {
    let host: string;
    try {
        host = new URL(server).hostname.replace(/^\[|\]$/g, "");
    } catch {
        return false;
    }
    if (host === "localhost" || host.endsWith(".localhost")) return true;
    const ip = parseIp(host);
    if (!ip) return false;
    const v4 = ip.kind() === "ipv6" && (ip as any).isIPv4MappedAddress() ? (ip as any).toIPv4Address() : ip;
    return ["loopback", "unspecified"].includes(v4.range());
}

/**
 * The preview's word on a cluster whose remote secret would name a loopback API server, as `istioctl
 * create-remote-secret` warns (istioctl/pkg/multicluster/remote_secret.go), but naming the argument that fixes it.
 */
export function loopbackWarning(cluster: string, server: string): string {
    return (
        `cluster "${cluster}": its kubeconfig's API server ${server} is a loopback address, which istiod in a Pod of the control-plane ` +
        `cluster cannot reach (kind and local tunnels give such addresses), so its remote secret would never sync. Set ` +
        `remoteSecretServer on "${cluster}" to an address the control plane reaches (for kind, the API server container's address ` +
        `and port 6443).`
    );
}
