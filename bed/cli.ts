// npm run bed -- <up [--clusters N] | down | status | env | lb pause|resume | stop-cluster N | start-cluster N>
import { bedEnv, down, pauseLoadBalancer, startClusterAgain, status, stopCluster, up } from "./bed";

const usage = `usage: npm run bed -- <command>
  up [--clusters N]    start N clusters (default 3), building missing tools; reuses a running bed of that size
  down                 stop every bed process and remove the bed's state
  status               show processes and readiness
  env                  print export lines (use: eval "$(npm run --silent bed -- env)")
  lb pause|resume      pause or resume the load-balancer fixture
  stop-cluster N       stop cluster N's API server; start-cluster N starts it again`;

async function main(argv: string[]): Promise<void> {
    const [command, ...rest] = argv;
    switch (command) {
        case "up": {
            const i = rest.indexOf("--clusters");
            const count = i >= 0 ? Number(rest[i + 1]) : 3;
            await up(count);
            return;
        }
        case "down":
            return down();
        case "status":
            console.log(await status());
            return;
        case "env":
            for (const [k, v] of Object.entries(bedEnv())) console.log(`export ${k}=${JSON.stringify(v)}`);
            return;
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
