// Plays the cloud's load balancer: gives every LoadBalancer Service of every bed cluster an address from the
// documentation range 203.0.113.0/24 (data only; nothing is ever sent there), or the address the Service asks
// for in spec.loadBalancerIP. Paused while the run folder holds the file `lb-paused`.
// Usage: lb-fixture <run folder>
import * as fs from "fs";
import * as path from "path";
import { kubeRequest } from "./kubeapi";
import type { BedState } from "./bed";

const runDir = process.argv[2];
const state: BedState = JSON.parse(fs.readFileSync(path.join(runDir, "bed.json"), "utf8"));
const pausedFlag = path.join(runDir, "lb-paused");
const assigned = new Map<string, string>(); // cluster/namespace/name -> address

function nextAddress(): string {
    const used = new Set(assigned.values());
    for (let i = 10; i < 255; i++) {
        const ip = `203.0.113.${i}`;
        if (!used.has(ip)) return ip;
    }
    throw new Error("203.0.113.0/24 exhausted");
}

async function reconcile(): Promise<void> {
    if (fs.existsSync(pausedFlag)) return;
    for (const cluster of state.clusters) {
        const ep = { server: cluster.server, ca: state.ca, token: state.bedToken };
        const list = await kubeRequest(ep, "GET", "/api/v1/services").catch(() => undefined);
        if (!list || list.status !== 200) continue; // that API server is down; try again next round
        for (const svc of list.body.items ?? []) {
            const key = `${cluster.name}/${svc.metadata.namespace}/${svc.metadata.name}`;
            if (svc.spec?.type !== "LoadBalancer") continue;
            const current: string | undefined = svc.status?.loadBalancer?.ingress?.[0]?.ip;
            const wanted: string = svc.spec.loadBalancerIP || assigned.get(key) || current || nextAddress();
            assigned.set(key, wanted);
            if (current === wanted) continue;
            await kubeRequest(
                ep,
                "PATCH",
                `/api/v1/namespaces/${svc.metadata.namespace}/services/${svc.metadata.name}/status`,
                { status: { loadBalancer: { ingress: [{ ip: wanted, ipMode: "VIP" }] } } },
                "application/merge-patch+json",
            ).catch(() => undefined);
        }
    }
}

async function main(): Promise<void> {
    for (;;) {
        await reconcile().catch((e) => console.error(`lb-fixture: ${e}`));
        await new Promise((r) => setTimeout(r, 250));
    }
}

void main();
