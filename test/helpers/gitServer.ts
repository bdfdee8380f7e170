// A git host on loopback for `pulumi package add <git URL>@<tag>`: git's own smart-HTTP CGI (`git http-backend`)
// behind Node's HTTPS server, reached by a host name through an HTTPS proxy (CONNECT) that sends that name, and
// nothing else, to it. Why so: the CLI (v3.259) fetches git-hosted packages over https only (git:// is rewritten), and
// it crashes on a URL whose host is an IP address or has a port (it strips the scheme, the rest fails its URL pattern,
// and it takes it for a local path); a name under the reserved .test domain needs no DNS, and no request leaves the
// machine. Clients get HTTPS_PROXY and trust the server's self-signed certificate (SSL_CERT_FILE).
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export interface GitServer {
    /** `https://<host>`: a bare repository `<root>/<owner>/<name>.git` is at `${url}/<owner>/<name>.git`. */
    url: string;
    /** The environment a client needs: HTTPS_PROXY (the proxy), SSL_CERT_FILE (the certificate), no NO_PROXY. */
    env: Record<string, string>;
    /** Paths git clients asked for, in order (to show that a client came here). */
    requests: string[];
    /** CONNECT targets asked of the proxy, in order. */
    connects: string[];
    close(): Promise<void>;
}

/** Serves the bare repositories under `root` as `https://<host>` (read-only: http-backend's default). */
export async function serveGit(root: string, host = "git.multinet.test"): Promise<GitServer> {
    const tls = fs.mkdtempSync(path.join(os.tmpdir(), "multinet-git-tls-"));
    execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem", "-out"].concat([
            "cert.pem",
            "-days",
            "1",
            "-subj",
            `/CN=${host}`,
            "-addext",
            `subjectAltName=DNS:${host}`,
        ]),
        { cwd: tls, stdio: ["ignore", "ignore", "pipe"] },
    );
    const requests: string[] = [];
    const git = https.createServer(
        { key: fs.readFileSync(path.join(tls, "key.pem")), cert: fs.readFileSync(path.join(tls, "cert.pem")) },
        (req, res) => {
            const url = new URL(req.url ?? "/", `https://${host}`);
            requests.push(url.pathname);
            const cgi = spawn("git", ["http-backend"], {
                env: {
                    PATH: process.env.PATH,
                    GIT_PROJECT_ROOT: root,
                    GIT_HTTP_EXPORT_ALL: "1",
                    REQUEST_METHOD: req.method,
                    PATH_INFO: decodeURIComponent(url.pathname),
                    QUERY_STRING: url.search.replace(/^\?/, ""),
                    CONTENT_TYPE: req.headers["content-type"] ?? "",
                    HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
                    GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
                    REMOTE_ADDR: req.socket.remoteAddress ?? "",
                },
                stdio: ["pipe", "pipe", "inherit"],
            });
            req.pipe(cgi.stdin);
            // CGI output: header lines, a blank line, the body.
            let head = Buffer.alloc(0);
            let inBody = false;
            cgi.stdout.on("data", (chunk: Buffer) => {
                if (inBody) return void res.write(chunk);
                head = Buffer.concat([head, chunk]);
                const end = head.indexOf("\r\n\r\n");
                if (end < 0) return;
                let status = 200;
                for (const line of head.subarray(0, end).toString().split("\r\n")) {
                    const at = line.indexOf(":");
                    const [name, value] = [line.slice(0, at), line.slice(at + 1).trim()];
                    if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
                    else res.setHeader(name, value);
                }
                res.writeHead(status);
                inBody = true;
                res.write(head.subarray(end + 4));
            });
            cgi.on("close", () => res.end());
        },
    );
    const connects: string[] = [];
    const tunnels = new Set<net.Socket>();
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
        connects.push(req.url ?? "");
        if (req.url !== `${host}:443`) return void client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
        tunnels.add(client);
        client.on("close", () => tunnels.delete(client));
        const upstream = net.connect((git.address() as net.AddressInfo).port, "127.0.0.1", () => {
            client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            upstream.write(head);
            upstream.pipe(client).pipe(upstream);
        });
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
    });
    const listen = (s: net.Server) =>
        new Promise<number>((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as net.AddressInfo).port)));
    await listen(git);
    const proxyPort = await listen(proxy);
    const close = (s: net.Server) => new Promise<void>((resolve) => s.close(() => resolve()));
    return {
        url: `https://${host}`,
        env: {
            HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
            https_proxy: "",
            NO_PROXY: "",
            no_proxy: "",
            SSL_CERT_FILE: path.join(tls, "cert.pem"),
        },
        requests,
        connects,
        close: async () => {
            for (const socket of tunnels) socket.destroy();
            proxy.closeAllConnections();
            git.closeAllConnections();
            await Promise.all([close(proxy), close(git)]);
            fs.rmSync(tls, { recursive: true, force: true });
        },
    };
}
