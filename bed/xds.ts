// What the bed's istiod serves, as the tests' oracle: the xDS probe (bed/go/xds) asks istiod for a service's EDS
// endpoints as a proxy of a given cluster and network would, or stays connected as a running sidecar does; and
// istiod's debug endpoints read as JSON.
import { execFile, spawn } from "child_process";
import { BedState, readState } from "./state";

/** One endpoint of what istiod sends a proxy (EDS), as `bed xds` prints it. */
export interface XdsEndpoint {
    address: string;
    port: number;
    weight: number;
    /** Istio cluster ID istiod attaches to the endpoint ("" for a gateway learnt from meshNetworks). */
    cluster: string;
}

export interface ProxyIdentity {
    /** The proxy's Istio cluster ID (CLUSTER_ID). */
    cluster: string;
    /** The proxy's network (ISTIO_META_NETWORK). */
    network: string;
    /** An east-west gateway (router) whose view is its own network, instead of a sidecar. */
    router?: boolean;
    /** The proxy's pod name (default "xds-probe"). */
    name?: string;
}

function probeArgs(state: BedState, proxy: ProxyIdentity, service: string): string[] {
    return [
        "-istiod",
        `127.0.0.1:${state.istiod!.ports.grpc}`,
        "-cluster",
        proxy.cluster,
        "-network",
        proxy.network,
        ...(proxy.router ? ["-router"] : []),
        ...(proxy.name ? ["-name", proxy.name] : []),
        service,
    ];
}

/**
 * A proxy that stays connected (as a running sidecar does, listed in istiod's /debug/adsz as `<name>.<namespace>`)
 * once istiod has answered it, until stopped. Resolves when it is connected.
 */
export function holdProxy(proxy: ProxyIdentity & { name: string }, service: string, state: BedState | undefined = readState()) {
    if (!state?.istiod) throw new Error("the bed runs no istiod");
    const child = spawn(state.istiod.xdsProbe, ["-hold", "1h", ...probeArgs(state, proxy, service)], { stdio: ["ignore", "pipe", "pipe"] });
    const connected = new Promise<void>((resolve, reject) => {
        child.stdout.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`the held proxy exited (${code})`)));
    });
    return { connected, stop: () => child.kill() };
}

/** The EDS endpoints istiod sends `proxy` for `service` (`host:port`), read over istiod's plain-text xDS port. */
export function proxyView(proxy: ProxyIdentity, service: string, state: BedState | undefined = readState()): Promise<XdsEndpoint[]> {
    if (!state?.istiod) return Promise.reject(new Error("the bed runs no istiod: `npm run bed -- up` without --no-istiod"));
    const args = probeArgs(state, proxy, service);
    return new Promise((resolve, reject) =>
        execFile(state.istiod!.xdsProbe, args, { timeout: 30_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(stderr.trim() || err.message)) : resolve(JSON.parse(stdout)),
        ),
    );
}

/** Reads a debug endpoint of istiod (`/debug/networkz`, `/debug/clusterz`, ...) as JSON. */
export async function istiodDebug(what: string, state: BedState | undefined = readState()): Promise<any> {
    if (!state?.istiod) throw new Error("the bed runs no istiod");
    const r = await fetch(`http://127.0.0.1:${state.istiod.ports.monitoring}/debug/${what}`);
    if (!r.ok) throw new Error(`istiod /debug/${what}: ${r.status} ${await r.text()}`);
    return r.json();
}
