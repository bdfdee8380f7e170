// A TLS-terminating proxy in front of a bed API server that can hold a chosen request: the request is never
// forwarded, so the client waits on it, as it would on a slow or hung server. For killing a `pulumi up` at a
// known point of its work.
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import * as tls from "tls";
import { readState } from "../../bed/bed";
import { runDir } from "../../bed/paths";

export interface HeldRequest {
    method: string;
    path: string;
}

export class HoldingProxy {
    private listener?: https.Server;
    /** The proxy's address, for a kubeconfig's `server`. */
    server = "";
    private held: HeldRequest[] = [];
    private waiters: (() => void)[] = [];
    private hold: (method: string, path: string) => boolean = () => false;

    private constructor(private readonly upstream: string) {}

    /** Starts a proxy for bed cluster `n`; its address is `server`. */
    static async start(n: number): Promise<HoldingProxy> {
        const state = readState()!;
        const proxy = new HoldingProxy(state.clusters[n - 1].server);
        const pki = path.join(runDir, "pki");
        const server = https.createServer(
            { cert: fs.readFileSync(path.join(pki, "server.crt")), key: fs.readFileSync(path.join(pki, "server.key")) },
            (req, res) => proxy.handle(req, res, state.ca),
        );
        // Upgrades (a port-forward's websocket) pass through as a TLS-terminating proxy passes them: the request is
        // sent upstream as it came, and the two connections are joined.
        server.on("upgrade", (req: http.IncomingMessage, socket: import("stream").Duplex, head: Buffer) => {
            const upstream = tls.connect(
                { host: new URL(proxy.upstream).hostname, port: Number(new URL(proxy.upstream).port), ca: state.ca },
                () => {
                    const lines = [
                        `${req.method} ${req.url} HTTP/1.1`,
                        ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`),
                        "",
                        "",
                    ];
                    upstream.write(lines.join("\r\n"));
                    if (head.length) upstream.write(head);
                    upstream.pipe(socket);
                    socket.pipe(upstream);
                },
            );
            upstream.on("error", () => socket.destroy());
            socket.on("error", () => upstream.destroy());
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        proxy.listener = server;
        proxy.server = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
        return proxy;
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse, ca: string): void {
        if (this.hold(req.method ?? "", req.url ?? "")) {
            this.held.push({ method: req.method ?? "", path: req.url ?? "" });
            this.waiters.splice(0).forEach((w) => w());
            return; // never answered
        }
        const upstream = https.request(new URL(req.url ?? "/", this.upstream), { method: req.method, headers: req.headers, ca }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
        });
        upstream.on("error", () => res.destroy());
        req.pipe(upstream);
    }

    /** From now on, holds the requests `predicate` picks (none: `() => false`); forgets what it held before. */
    holding(predicate: (method: string, path: string) => boolean): void {
        this.hold = predicate;
        this.held = [];
    }

    /** Resolves once a request has been held. */
    async whenHeld(timeoutMs = 60_000): Promise<HeldRequest> {
        const deadline = Date.now() + timeoutMs;
        while (this.held.length === 0) {
            if (Date.now() > deadline) throw new Error("no request was held");
            await new Promise<void>((r) => {
                this.waiters.push(r);
                setTimeout(r, 250);
            });
        }
        return this.held[0];
    }

    async stop(): Promise<void> {
        this.listener?.closeAllConnections();
        await new Promise((r) => this.listener?.close(r));
    }
}
