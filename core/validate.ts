// Input validation, pure: address and CIDR parsing, zod schemas for each resource's plain arguments, and the
// wording of their problems (the cross-resource rules are in rules.ts). Every message names the field and the
// fix; callers prefix the resource.
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { isolationAddress } from "./meshNetworks";
import { defaultRestartPolicy, injectionAnnotations, restartPolicies } from "./names";

const dns1123Label = z
    .string()
    .max(63, "must be at most 63 characters")
    .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. \"east-1\")",
    );

const cidr = z
    .string()
    .refine((v) => parseCidr(v) !== undefined, { message: 'is not a valid CIDR; write it as address/prefix, e.g. "10.20.0.0/16"' });

const ipAddress = z.string().refine((v) => parseIp(v) !== undefined, {
    message: 'is not a valid IPv4 or IPv6 address; write IPv4 as four decimal numbers 0-255, e.g. "203.0.113.7"',
});

/** In the discard-only prefix (RFC 6666, 100::/64) that keeps groups outside the interconnect unreachable. */
export function isDiscardAddress(value: string): boolean {
    const ip = parseIp(value);
    return ip?.kind() === "ipv6" && ip.match(ipaddr.IPv6.parse(isolationAddress), 64);
}

const gatewayAddress = ipAddress.refine((v) => !isDiscardAddress(v), {
    message: `is in ${isolationAddress}/64, the discard prefix that keeps groups outside the interconnect unreachable; give the gateway a real address`,
});

const qualifiedName = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const annotations = z.record(z.string(), z.string()).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
        const prefix = key.includes("/") ? key.split("/")[0] : "";
        if (!qualifiedName.test(key) || prefix.length > 253) {
            ctx.addIssue({
                code: "custom",
                path: [key],
                message:
                    "is not a valid annotation key: an optional DNS-subdomain prefix and '/', " +
                    'then a name of at most 63 characters (e.g. "service.beta.kubernetes.io/aws-load-balancer-type")',
            });
        }
    }
});

/** A gateway's pod annotations: valid keys, but not those of its injection, which the gateway sets itself. */
const podAnnotations = annotations.superRefine((record, ctx) => {
    for (const key of Object.values(injectionAnnotations).filter((k) => k in record)) {
        ctx.addIssue({
            code: "custom",
            path: [key],
            message: "is set by the gateway itself (it decides the gateway's Istio injection; see proxyImage); remove it",
        });
    }
});

// Dotted-quad decimal only: ipaddr.js also takes inet_aton's forms ("127.1", "0x7f.1", "010.0.0.1", "4294967295"),
// which Kubernetes and Istio refuse or read as other addresses.
const dottedQuad = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4 address in dotted-quad decimal or an IPv6 address (no zone id), else undefined. */
export function parseIp(value: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
    if (dottedQuad.test(value)) return ipaddr.IPv4.parse(value);
    // A zone id ("%eth0") names an interface of one host; an embedded IPv4 tail is held to dotted-quad as well.
    if (!value.includes(":") || value.includes("%")) return undefined;
    const tail = value.slice(value.lastIndexOf(":") + 1);
    if (tail.includes(".") && !dottedQuad.test(tail)) return undefined;
    // ipaddr.js reads "::1.2.3.4" (IPv4-compatible, ::102:304) as ::ffff:1.2.3.4; "::0:1.2.3.4" is read right.
    const text = /^::[^:]*\./.test(value) ? `::0:${value.slice(2)}` : value;
    return ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text) : undefined;
}

export function parseCidr(value: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
    const m = /^([^/]+)\/(0|[1-9]\d?\d?)$/.exec(value);
    const address = m ? parseIp(m[1]) : undefined;
    if (!m || !address) return undefined;
    const prefix = Number(m[2]);
    return prefix <= (address.kind() === "ipv4" ? 32 : 128) ? [address, prefix] : undefined;
}

/** An IPv4-mapped IPv6 CIDR (::ffff:0:0/96 and inside it) is the IPv4 CIDR it maps to: the same Pods' addresses. */
function unmapped([address, prefix]: [ipaddr.IPv4 | ipaddr.IPv6, number]): [ipaddr.IPv4 | ipaddr.IPv6, number] {
    if (address.kind() === "ipv6" && prefix >= 96 && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
        return [(address as ipaddr.IPv6).toIPv4Address(), prefix - 96];
    }
    return [address, prefix];
}

export function cidrsOverlap(a: string, b: string): boolean {
    const pa = parseCidr(a);
    const pb = parseCidr(b);
    if (!pa || !pb) return false;
    const overlap = (x: ReturnType<typeof unmapped>, y: ReturnType<typeof unmapped>) =>
        x[0].kind() === y[0].kind() && (x[0].match(y as any) || y[0].match(x as any));
    // Mapped CIDRs compare as the IPv4 CIDRs they map to; two IPv6 CIDRs of which one maps still compare as IPv6.
    return overlap(unmapped(pa), unmapped(pb)) || overlap(pa, pb);
}

const httpsUrl = z.string().refine((v) => /^https:\/\/[^\s/]+(\/\S*)?$/.test(v), {
    message: 'must be an https URL of an API server, e.g. "https://10.0.0.1:6443"',
});

/**
 * The control-plane cluster's Istio cluster ID is istiod's CLUSTER_ID, whatever the install chose (Istio's default is
 * "Kubernetes"); it names no object of ours, so it only has to be a label value, as Istio writes cluster IDs into the
 * label topology.istio.io/cluster. Every other cluster's ID names its remote secret (istio-remote-secret-<id>), so it
 * must also be a DNS-1123 label (see clusterIdProblem).
 */
const labelValue = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Why `clusterId` cannot be the Istio cluster ID of a cluster (the control plane's, or another), or undefined. */
export function clusterIdProblem(clusterId: string, isControlPlane: boolean): string | undefined {
    if (isControlPlane) {
        return labelValue.test(clusterId)
            ? undefined
            : "must be a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit), " +
                  'as istiod\'s CLUSTER_ID is (e.g. "Kubernetes" or "cluster1")';
    }
    const r = dns1123Label.safeParse(clusterId);
    return r.success
        ? undefined
        : `${r.error.issues[0].message}; it names the cluster's remote secret (istio-remote-secret-<id>) on the control plane`;
}

const clusterSchema = z
    .object({
        name: dns1123Label,
        clusterId: z.string().optional(),
        podCidrs: z.array(cidr).default([]),
        remoteSecretServer: httpsUrl.optional(),
    })
    .transform((c) => ({ ...c, clusterId: c.clusterId ?? c.name }));

export const multiNetworkingSchema = z
    .object({
        meshId: dns1123Label,
        controlPlane: z.object({
            cluster: z.string().optional(),
            namespace: dns1123Label.default("istio-system"),
            deployment: dns1123Label.default("istiod"),
            configMap: dns1123Label.default("istio"),
            istiodDebug: z
                .string()
                .refine((v) => /^https?:\/\/[^\s/]+\/?$/.test(v), {
                    message: 'must be the http(s) address of istiod\'s debug port, e.g. "http://istiod.example.com:15014"',
                })
                .optional(),
        }),
        clusters: z.array(clusterSchema).min(1, "needs at least one cluster"),
        remoteSecrets: z.enum(["managed", "external"]).default("managed"),
        skipAwait: z.boolean().default(false),
        remoteSecretRotation: z.string().default(""),
        awaitTimeoutSeconds: z.number().int().min(1, "must be at least 1").default(300),
    })
    .superRefine((v, ctx) => {
        const seen = new Set<string>();
        const ids = new Map<string, string>();
        v.clusters.forEach((c, i) => {
            const idProblem = clusterIdProblem(c.clusterId, c.name === v.controlPlane.cluster);
            if (idProblem) ctx.addIssue({ code: "custom", path: ["clusters", i, "clusterId"], message: idProblem });
            if (seen.has(c.name))
                ctx.addIssue({
                    code: "custom",
                    path: ["clusters", i, "name"],
                    message: `"${c.name}" is declared twice; cluster names must be unique`,
                });
            seen.add(c.name);
            const other = ids.get(c.clusterId);
            if (other !== undefined && other !== c.name) {
                ctx.addIssue({
                    code: "custom",
                    path: ["clusters", i, "clusterId"],
                    message:
                        `"${c.clusterId}" is also the Istio cluster ID of "${other}"; ` +
                        `Istio tells clusters apart by these IDs, so each must be unique`,
                });
            }
            ids.set(c.clusterId, c.name);
        });
        if (v.controlPlane.cluster !== undefined && !seen.has(v.controlPlane.cluster)) {
            ctx.addIssue({
                code: "custom",
                path: ["controlPlane", "cluster"],
                message:
                    `"${v.controlPlane.cluster}" is not one of clusters[].name (${[...seen].join(", ")}); ` +
                    `declare it in clusters or name a declared one`,
            });
        }
    });

export const networkGroupSchema = z.object({
    networkName: dns1123Label,
    clusters: z
        .array(z.string())
        .min(1, "needs at least one cluster; to remove every cluster, delete the NetworkGroup")
        .superRefine((cs, ctx) => {
            cs.forEach((c, i) => {
                if (cs.indexOf(c) !== i) ctx.addIssue({ code: "custom", path: [i], message: `"${c}" is listed twice` });
            });
        }),
});

const portNumber = z.number().int().min(1, "must be a port number, 1 to 65535").max(65535, "must be a port number, 1 to 65535");

export const eastWestGatewaySchema = z
    .object({
        cluster: z.string(),
        replicas: z.number().int().min(1, "must be at least 1").default(1),
        serviceAnnotations: annotations.default({}),
        podAnnotations: podAnnotations.optional(),
        serviceType: z.enum(["LoadBalancer", "NodePort"]).default("LoadBalancer"),
        requestedAddress: gatewayAddress.optional(),
        /** requestedAddress's former name: one of the two (see requestedAddressOf). */
        address: gatewayAddress.optional(),
        nodePort: portNumber.optional(),
        port: portNumber.optional(),
        addressTimeoutSeconds: z.number().int().min(1, "must be at least 1").default(300),
        proxyImage: z
            .string()
            .regex(
                /^[a-z0-9]([-a-z0-9._/]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9._-]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
                'must be a container image reference, e.g. "docker.io/istio/proxyv2:1.31.0"',
            )
            .optional(),
    })
    .superRefine((v, ctx) => {
        if (v.requestedAddress !== undefined && v.address !== undefined)
            ctx.addIssue({
                code: "custom",
                path: ["address"],
                message: "is the former name of requestedAddress; give requestedAddress only",
            });
        // Without a load balancer nothing tells where peers reach the nodes: the user does (istio/istio#38908).
        if (v.serviceType === "NodePort" && requestedAddressOf(v) === undefined)
            ctx.addIssue({
                code: "custom",
                path: ["requestedAddress"],
                message:
                    'is required with serviceType "NodePort": give the address other networks reach the gateway at ' +
                    '(a node\'s address, or the NAT or firewall in front of the nodes), e.g. "192.0.2.10"',
            });
        if (v.nodePort !== undefined && v.serviceType !== "NodePort")
            ctx.addIssue({
                code: "custom",
                path: ["nodePort"],
                message: 'applies to serviceType "NodePort" only; set serviceType: "NodePort" or remove it',
            });
    });

/** A gateway's arguments as parsed, defaults filled in: what its provider inputs and objects derive from. */
export type ParsedGateway = z.output<typeof eastWestGatewaySchema>;

/** The address a gateway's arguments request, under its name or its former one (`address`). */
export function requestedAddressOf(args: { requestedAddress?: string; address?: string }): string | undefined {
    return args.requestedAddress ?? args.address;
}

export const interconnectSchema = z.object({
    controlPlaneRestart: z.enum(restartPolicies).default(defaultRestartPolicy),
});

/** Parses `value` or throws one Error whose lines read `<resource>: <field>: <problem>`. */
export function parseArgs<S extends z.ZodTypeAny>(schema: S, value: unknown, resource: string): z.output<S> {
    // A schema's own message wins; zod words the rest itself ("Invalid input: expected int, received number").
    const r = schema.safeParse(value, { error: message });
    if (r.success) return r.data;
    throw new ValidationError(
        resource,
        r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
    );
}

export class ValidationError extends Error {
    constructor(
        readonly resource: string,
        readonly problems: string[],
    ) {
        super(problems.map((p) => `${resource}: ${p}`).join("\n"));
        this.name = "ValidationError";
    }
}

/**
 * The paths of a schema's fields as fieldValues names them ("controlPlane.cluster", "clusters[].podCidrs[]"): every
 * field but an enum's, which its values word (see message), and the entries of a record, which its own path words.
 */
type FieldPaths<T, Prefix extends string = ""> = {
    [K in keyof T & string]-?: PathsOf<NonNullable<T[K]>, Prefix extends "" ? K : `${Prefix}.${K}`>;
}[keyof T & string];
type PathsOf<V, P extends string> = V extends readonly (infer I)[]
    ? P | PathsOf<NonNullable<I>, `${P}[]`>
    : V extends string
      ? string extends V
          ? P
          : never
      : V extends object
        ? string extends keyof V
            ? P
            : P | FieldPaths<V, P>
        : P;
type SchemaFieldPaths =
    | FieldPaths<z.input<typeof multiNetworkingSchema>>
    | FieldPaths<z.input<typeof networkGroupSchema>>
    | FieldPaths<z.input<typeof eastWestGatewaySchema>>
    | FieldPaths<z.input<typeof interconnectSchema>>;

/**
 * What a field holds, with an example, for a value of the wrong type or a missing one: by its path, items of lists
 * as "[]". A NetworkGroup's clusters are names where a MultiNetworking's are objects: ":string[]" and ":string" say so.
 * Every field of every schema has its entry (tsc names a missing one), so none falls back to a bare type name.
 */
const fieldValues = {
    meshId: 'a string, e.g. "mesh1"',
    controlPlane: 'an object naming the control plane\'s cluster, e.g. { cluster: "hosted" }',
    "controlPlane.cluster": 'a cluster name, e.g. "hosted"',
    "controlPlane.namespace": 'a string, e.g. "istio-system"',
    "controlPlane.deployment": 'a string, e.g. "istiod"',
    "controlPlane.configMap": 'a string, e.g. "istio"',
    "controlPlane.istiodDebug": 'a URL, e.g. "http://istiod.example.com:15014"',
    skipAwait: "true or false",
    remoteSecretRotation: 'a string, e.g. "2026-12"',
    awaitTimeoutSeconds: "a whole number of seconds, e.g. 300",
    clusters: 'a list of clusters, e.g. [{ name: "east-1", podCidrs: ["10.20.0.0/16"] }]',
    "clusters[]": 'an object describing a cluster, e.g. { name: "east-1", podCidrs: ["10.20.0.0/16"] }',
    "clusters[].name": 'a string, e.g. "east-1"',
    "clusters[].clusterId": 'a string, e.g. "east-1"',
    "clusters[].podCidrs": 'a list of CIDRs, e.g. ["10.20.0.0/16"]',
    "clusters[].podCidrs[]": 'a CIDR, e.g. "10.20.0.0/16"',
    "clusters[].remoteSecretServer": 'an https URL, e.g. "https://10.0.0.1:6443"',
    networkName: 'a string, e.g. "east"',
    "clusters:string[]": 'a list of cluster names, e.g. ["east-1", "west-1"]',
    "clusters[]:string": 'a cluster name, e.g. "east-1"',
    cluster: 'a cluster name, e.g. "east-1"',
    replicas: "a whole number, e.g. 2",
    serviceAnnotations: 'an object of annotation keys and values, e.g. { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" }',
    podAnnotations: 'an object of annotation keys and values, e.g. { "prometheus.io/scrape": "true" }',
    requestedAddress: 'a string, e.g. "203.0.113.7"',
    address: 'a string, e.g. "203.0.113.7"',
    serviceType: '"LoadBalancer" or "NodePort"',
    nodePort: "a port number, e.g. 31443",
    port: "a port number, e.g. 15443",
    addressTimeoutSeconds: "a whole number of seconds, e.g. 300",
    proxyImage: 'a string, e.g. "docker.io/istio/proxyv2:1.31.0"',
} satisfies Record<SchemaFieldPaths, string> & Record<string, string> as Record<string, string>;

const typeNames: Record<string, string> = {
    int: "a whole number",
    number: "a number",
    string: "a string",
    boolean: "true or false",
    array: "a list",
    object: "an object",
    record: "an object",
};

function fieldValue(iss: z.core.$ZodRawIssue): string | undefined {
    const path = iss.path ?? [];
    const key = path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[]` : acc ? `${acc}.${String(p)}` : String(p)), "");
    const strings = iss.inst instanceof z.ZodArray && iss.inst.element instanceof z.ZodString;
    const type = strings ? "string[]" : iss.code === "invalid_type" ? iss.expected : undefined;
    return fieldValues[`${key}:${type}`] ?? fieldValues[key];
}

function oneOf(values: readonly unknown[]): string {
    const quoted = values.map((v) => JSON.stringify(v));
    return quoted.length === 1 ? quoted[0] : `one of ${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/** The message for an issue a schema gives none for: what the field takes, and an example where one helps. */
function message(iss: z.core.$ZodRawIssue): string {
    const plural = (n: number | bigint, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    switch (iss.code) {
        case "invalid_type": {
            const what = fieldValue(iss) ?? typeNames[iss.expected] ?? `a ${iss.expected}`;
            return iss.input === undefined ? `is required; give ${what}` : `must be ${what}`;
        }
        case "invalid_value":
            return `must be ${oneOf(iss.values)}`;
        case "too_small":
            if (iss.origin === "string")
                return iss.minimum === 1 ? "must not be empty" : `must be at least ${plural(iss.minimum, "character")}`;
            if (iss.origin === "array") return `needs at least ${plural(iss.minimum, "item")}`;
            return iss.inclusive === false ? `must be more than ${iss.minimum}` : `must be at least ${iss.minimum}`;
        case "too_big":
            if (iss.origin === "string") return `must be at most ${plural(iss.maximum, "character")}`;
            if (iss.origin === "array") return `takes at most ${plural(iss.maximum, "item")}`;
            return iss.inclusive === false ? `must be less than ${iss.maximum}` : `must be at most ${iss.maximum}`;
        case "not_multiple_of":
            return `must be a multiple of ${iss.divisor}`;
        case "unrecognized_keys":
            return `has unknown field${iss.keys.length === 1 ? "" : "s"} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}; remove ${iss.keys.length === 1 ? "it" : "them"}`;
        case "invalid_format":
            return `is not a valid ${iss.format}`;
        default: {
            const what = fieldValue(iss);
            return what ? `must be ${what}` : "is not valid";
        }
    }
}

function formatPath(path: PropertyKey[]): string {
    const plain = /^[A-Za-z_$][\w$]*$/;
    return (
        path.reduce<string>(
            (acc, p) =>
                typeof p === "number"
                    ? `${acc}[${p}]`
                    : !plain.test(String(p))
                      ? `${acc}[${JSON.stringify(p)}]`
                      : acc
                        ? `${acc}.${String(p)}`
                        : String(p),
            "",
        ) || "(args)"
    );
}
