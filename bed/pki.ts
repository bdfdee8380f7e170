// The bed's credentials: its CA and the certificates issued from it with openssl (API servers' serving
// certificates, the kubelet's, the API servers' client certificate towards kubelets), the service-account key pair,
// bearer tokens, and the kubeconfig files that carry a server, its CA and a user's token.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { nodeName } from "./kubelet";

function openssl(args: string[], cwd: string): void {
    try {
        execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT")
            throw new Error(
                "the bed makes its TLS certificates with openssl, which is not on PATH: install it (Debian: apt-get install openssl)",
                { cause: e },
            );
        throw e;
    }
}

/** A new CA in `dir` (ca.crt, ca.key) and an API server's serving certificate from it for `host` (server.crt, server.key). */
export function makeServingPki(dir: string, host: string, caName = "multinet-bed-ca"): ReturnType<typeof issuer> {
    fs.mkdirSync(dir, { recursive: true });
    openssl(["req", "-x509", ...newKey("ca.key"), "-out", "ca.crt", "-days", "3650", "-subj", `/CN=${caName}`], dir);
    const issue = issuer(dir);
    issue("server", "/CN=kube-apiserver", `subjectAltName=IP:${host},IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n`);
    return issue;
}

/** A new P-256 key, unencrypted, in `key`. */
const newKey = (key: string) => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key];

/** Issues `name`.key and `name`.crt in `dir`, signed by its CA, with the extensions `ext`. */
function issuer(dir: string) {
    return (name: string, subject: string, ext: string) => {
        fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
        openssl(["req", ...newKey(`${name}.key`), "-out", `${name}.csr`, "-subj", subject], dir);
        openssl(
            [
                "x509",
                "-req",
                "-in",
                `${name}.csr`,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                `${name}.crt`,
                "-days",
                "3650",
                "-extfile",
                `${name}.ext`,
            ],
            dir,
        );
    };
}

/**
 * One CA, one serving certificate for the host's address and 127.0.0.1 and one service-account key serve every
 * cluster; the kubelet has its serving certificate, and the API servers their client certificate towards kubelets,
 * both from that CA.
 */
export function makePki(dir: string, host: string): void {
    const issue = makeServingPki(dir, host);
    // As a kubelet's serving certificate is (its Node's name and address), and as kubeadm makes the API server's
    // client certificate towards kubelets (cmd/kubeadm/app/phases/certs/certlist.go).
    issue(
        "kubelet",
        `/O=system:nodes/CN=system:node:${nodeName}`,
        `subjectAltName=IP:127.0.0.1,DNS:${nodeName}\nextendedKeyUsage=serverAuth\n`,
    );
    issue("apiserver-kubelet-client", "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client", "extendedKeyUsage=clientAuth\n");
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
    fs.writeFileSync(path.join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
}

/** A new bearer token (the API servers' token file lists them). */
export function token(): string {
    return crypto.randomBytes(24).toString("hex");
}

function kubeconfigYaml(name: string, server: string, ca: string, user: string, token: string): string {
    const caData = Buffer.from(ca).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- name: ${name}\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${caData}`,
        `users:\n- name: ${user}\n  user:\n    token: ${token}`,
        `contexts:\n- name: ${name}\n  context:\n    cluster: ${name}\n    user: ${user}`,
        `current-context: ${name}`,
        "",
    ].join("\n");
}

/** Writes a kubeconfig file (owner-only) for `user` with `token` on the cluster `name` at `server` with CA `ca`. */
export function writeKubeconfig(file: string, name: string, server: string, ca: string, user: string, token: string): void {
    fs.writeFileSync(file, kubeconfigYaml(name, server, ca, user, token), { mode: 0o600 });
}

/** Points a kubeconfig file written by writeKubeconfig at a new server and CA, keeping its user and token. */
export function repointKubeconfig(file: string, name: string, server: string, ca: string): void {
    const text = fs.readFileSync(file, "utf8");
    const user = /users:\n- name: (\S+)/.exec(text)![1];
    const secret = /token: (\S+)/.exec(text)![1];
    writeKubeconfig(file, name, server, ca, user, secret);
}
