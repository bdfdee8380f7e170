// The running bed's state (bed.json in the run folder): its clusters, ports and tokens, written by `up` and read by
// every other command, the controllers process and the tests; and how the bed itself reaches a cluster.
import * as fs from "fs";
import type { IstiodState } from "./istiod";
import type { Endpoint } from "./kubeapi";
import type { KubeletState } from "./kubelet";
import { stateFile } from "./paths";

export interface BedCluster {
    index: number;
    /** Cluster name (cluster-N): the kubeconfig context, and Istio's cluster ID except for cluster 1 under --control-plane-id. */
    name: string;
    server: string;
    port: number;
    /** kubeconfig of the bed's admin user (system:masters); what users and tests get. */
    kubeconfig: string;
    /** kubeconfig of a user without any RBAC grant, for permission tests. */
    viewerKubeconfig: string;
    auditLog: string;
    /** A cluster rebuilt under its name (replaceCluster): its own CA (PEM), serving certificate's folder and etcd prefix. */
    ca?: string;
    pki?: string;
    etcdPrefix?: string;
}

export interface BedState {
    clusters: BedCluster[];
    etcdPort: number;
    ca: string;
    /** Token of the bed's own user (seeding, the controllers process); excluded from audit logs. */
    bedToken: string;
    adminTokens: string[];
    /** Absent with `up --no-istiod`. */
    istiod?: IstiodState;
    /** The kubelet of istiod's node on cluster 1; absent with `up --no-istiod`. */
    kubelet?: KubeletState;
}

export function readState(): BedState | undefined {
    try {
        return JSON.parse(fs.readFileSync(stateFile, "utf8"));
    } catch {
        return undefined;
    }
}

/** The running bed's state, or an error that says how to start one. */
export function requireState(state: BedState | undefined): BedState {
    if (!state) throw new Error("the bed is not up: run `npm run bed -- up`");
    return state;
}

export function writeState(state: BedState): void {
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** How the bed itself (its own user, left out of audit counts) reaches a cluster. */
export function bedEndpoint(state: BedState, cluster: BedCluster): Endpoint {
    return { server: cluster.server, ca: cluster.ca ?? state.ca, token: state.bedToken };
}
