// A minimal HTTPS client for the bed's own calls (readiness, the controllers process, test assertions).
// The package under test uses @kubernetes/client-node; the bed stays independent of it on purpose.
import * as https from "https";

export interface Endpoint {
    server: string;
    ca: string;
    token: string;
}

export interface Response {
    status: number;
    body: any;
}

export function kubeRequest(
    ep: Endpoint,
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
): Promise<Response> {
    const url = new URL(path, ep.server);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
        const req = https.request(
            url,
            {
                method,
                ca: ep.ca,
                timeout: 10_000,
                headers: {
                    Authorization: `Bearer ${ep.token}`,
                    Accept: "application/json",
                    ...(payload === undefined ? {} : { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) }),
                },
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: unknown = text;
                    try {
                        parsed = JSON.parse(text);
                    } catch {
                        /* plain text */
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${url}`)));
        req.on("error", reject);
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

/** An answer of the API server other than success; `status` tells a loaded server (429, 5xx) from a refusal. */
export class KubeError extends Error {
    constructor(
        message: string,
        readonly status: number,
    ) {
        super(message);
    }
}

/** Server-side apply of one object at `apiPath` (its collection) as the bed, which owns what it seeds. */
export async function bedApply(ep: Endpoint, apiPath: string, obj: any): Promise<any> {
    const r = await kubeRequest(
        ep,
        "PATCH",
        `${apiPath}/${obj.metadata.name}?fieldManager=multinet-bed&force=true`,
        obj,
        "application/apply-patch+yaml",
    );
    if (r.status >= 300) throw new KubeError(`${apiPath}/${obj.metadata.name}: ${r.status} ${JSON.stringify(r.body)}`, r.status);
    return r.body;
}

/** Whether an API server answers its readiness check (false also when it cannot be reached). */
export function apiServerReady(ep: Endpoint): Promise<boolean> {
    return kubeRequest(ep, "GET", "/readyz").then(
        (r) => r.status === 200,
        () => false,
    );
}
