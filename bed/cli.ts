// npm run bed -- <command>: the test bed as a command-line tool (see `usage`).
import { bedEndpoint, bedEnv, down, pauseLoadBalancer, proxyView, readState, startClusterAgain, status, stopCluster, up } from "./bed";
import { putSample } from "./sample";
import { requireState } from "./state";

const usage = `usage: npm run bed -- <command>
  up [--clusters N] [--no-istiod] [--control-plane-id ID]
                       start N clusters (default 3) and istiod against cluster 1 with CLUSTER_ID ID
                       (default cluster-1), building missing tools; reuses a running bed of that shape
  down                 stop every bed process and remove the bed's state
  status               show processes, readiness and istiod's start count
  env                  print export lines (use: eval "$(npm run --silent bed -- env)")
  sample               put the helloworld sample (namespace sample, port 5000) in every cluster
  xds --cluster ID --network NET [--router] HOST:PORT
                       print, as JSON, the EDS endpoints istiod sends a sidecar (or, with --router, an
                       east-west gateway) of that cluster and network for that service
  lb pause|resume      pause or resume the cloud's load balancer (the controllers process)
  stop-cluster N       stop cluster N's API server; start-cluster N starts it again`;

function option(args: string[], name: string): string | undefined {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
    const [command, ...rest] = argv;
    switch (command) {
        case "up":
            await up({
                clusters: Number(option(rest, "--clusters") ?? 3),
                istiod: !rest.includes("--no-istiod"),
                controlPlaneId: option(rest, "--control-plane-id"),
            });
            return;
        case "down":
            return down();
        case "status":
            console.log(await status());
            return;
        case "env":
            for (const [k, v] of Object.entries(bedEnv())) console.log(`export ${k}=${JSON.stringify(v)}`);
            return;
        case "sample": {
            const state = requireState(readState());
            await putSample(state, (c) => bedEndpoint(state, c));
            console.error(`bed: sample helloworld in ${state.clusters.length} clusters`);
            return;
        }
        case "xds": {
            const cluster = option(rest, "--cluster");
            const network = option(rest, "--network");
            const service = rest.filter((a, i) => !a.startsWith("--") && !["--cluster", "--network"].includes(rest[i - 1]))[0];
            if (!cluster || network === undefined || !service) break;
            console.log(JSON.stringify(await proxyView({ cluster, network, router: rest.includes("--router") }, service)));
            return;
        }
        case "lb":
            if (rest[0] !== "pause" && rest[0] !== "resume") break;
            pauseLoadBalancer(rest[0] === "pause");
            return;
        case "stop-cluster":
            return stopCluster(Number(rest[0]));
        case "start-cluster":
            return startClusterAgain(Number(rest[0]));
    }
    console.error(usage);
    process.exitCode = 2;
}

main(process.argv.slice(2)).catch((e) => {
    console.error(`bed: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
});
