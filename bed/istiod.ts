// The bed's control plane: a real istiod (pilot-discovery, built from Istio's Go module) running out of cluster
// against cluster 1, every port on loopback. The bed also plays the kubelet's part for it: a change of the
// `istiod` Deployment's pod template restarts the process (see controllers.ts), and every start is recorded, so a
// test can count control-plane restarts.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { runDir } from "./paths";
import { sleep, startProcess, stopProcess } from "./procs";

export interface IstiodState {
    /** CLUSTER_ID: the control-plane cluster's ID, as the seeded `istiod` Deployment declares it. */
    clusterId: string;
    ports: { http: number; https: number; grpc: number; secureGrpc: number; monitoring: number; ctrlz: number };
    /** How to start it again (the controllers process restarts it). */
    command: { bin: string; args: string[]; env: Record<string, string> };
    /** The bed's ADS client (bed/go/xds). */
    xdsProbe: string;
}

/** What `bed status` reports and tests count: one line per start. */
export interface IstiodStarts {
    starts: number;
    startedAt: string;
    /** Hash of the Deployment's pod template the running process stands for. */
    template: string;
}

const startsFile = path.join(runDir, "istiod-starts.json");
export const processName = "istiod";
/** istiod's POD_NAME, and the name of the Pod that stands for it on cluster 1 (kubelet.ts). */
export const podName = "istiod-bed";

export function istiodCommand(bin: string, clusterId: string, kubeconfig: string, ports: IstiodState["ports"]): IstiodState["command"] {
    const at = (port: number) => `127.0.0.1:${port}`;
    return {
        bin,
        args: [
            "discovery",
            `--kubeconfig=${kubeconfig}`,
            `--httpAddr=${at(ports.http)}`,
            `--httpsAddr=${at(ports.https)}`,
            `--grpcAddr=${at(ports.grpc)}`,
            `--secureGRPCAddr=${at(ports.secureGrpc)}`,
            `--monitoringAddr=${at(ports.monitoring)}`,
            `--ctrlz_address=127.0.0.1`,
            `--ctrlz_port=${ports.ctrlz}`,
            "--shutdownDuration=1s",
            "--log_output_level=default:info",
        ],
        env: {
            CLUSTER_ID: clusterId,
            POD_NAMESPACE: "istio-system",
            POD_NAME: podName,
            REVISION: "default",
            ISTIOD_CUSTOM_HOST: "istiod.istio-system.svc",
            PILOT_ENABLE_ANALYSIS: "false",
            PILOT_CERT_PROVIDER: "istiod",
            // As the seeded Deployment declares it (a primary-remote install): istiod writes its root certificate into
            // the remote clusters that name it (seed.ts, remoteProfileObjects).
            EXTERNAL_ISTIOD: "true",
        },
    };
}

export function templateHash(deployment: any): string {
    return crypto
        .createHash("sha256")
        .update(JSON.stringify(deployment?.spec?.template ?? null))
        .digest("hex")
        .slice(0, 16);
}

export function readStarts(): IstiodStarts | undefined {
    try {
        return JSON.parse(fs.readFileSync(startsFile, "utf8"));
    } catch {
        return undefined;
    }
}

/** Starts istiod (from an empty working folder, so it reads the mesh ConfigMap) and records the start. */
export function startIstiod(state: IstiodState, template: string): void {
    const cwd = path.join(runDir, "istiod");
    fs.mkdirSync(cwd, { recursive: true });
    startProcess(processName, state.command.bin, state.command.args, { ...process.env, ...state.command.env }, cwd);
    const starts = (readStarts()?.starts ?? 0) + 1;
    fs.writeFileSync(startsFile, JSON.stringify({ starts, startedAt: new Date().toISOString(), template } satisfies IstiodStarts));
}

export async function restartIstiod(state: IstiodState, template: string): Promise<void> {
    // istiod serving remote clusters outlives SIGTERM by 10 s and more. A rolling update starts the new pod before
    // the old one ends, so the old one's shutdown is not part of a restart's time: it gets its shutdownDuration (1 s).
    await stopProcess(processName, 1000);
    startIstiod(state, template);
}

export async function istiodReady(state: IstiodState): Promise<boolean> {
    const r = await fetch(`http://127.0.0.1:${state.ports.http}/ready`).catch(() => undefined);
    return r?.status === 200;
}

/** How many times istiod has started on this bed (each pod-template change of its Deployment is one more). */
export function istiodStarts(): number {
    return readStarts()?.starts ?? 0;
}

/** Long enough for the bed to have restarted istiod after a pod-template change (it watches every 250 ms). */
export const settle = () => sleep(2000);
