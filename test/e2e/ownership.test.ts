// Teardown gives every cluster back as it was; a second stack never takes the first one's objects; no
// credential ever appears in plain text.
import { readState } from "../../bed/bed";
import { labels } from "../../core/names";
import { clusterName as c, errors, Live, Topology, TopologyStack } from "../../bed/topology";

const live = new Live();
const ns = "/api/v1/namespaces/istio-system";

const topology: Topology = {
    meshId: "mesh-own",
    controlPlane: { cluster: c(1) },
    clusters: [{ name: c(1) }, { name: c(2) }, { name: c(3) }],
    groups: [
        { name: "a-east", clusters: [c(1), c(2)] },
        { name: "a-west", clusters: [c(3)] },
    ],
    gateways: [
        { name: "gw-east", group: "a-east", cluster: c(2), replicas: 2 },
        { name: "gw-west", group: "a-west", cluster: c(3) },
    ],
    interconnect: {
        members: [
            { group: "a-east", gateways: ["gw-east"] },
            { group: "a-west", gateways: ["gw-west"] },
        ],
    },
};

/** Objects of ours and our namespace labels on the four clusters. */
async function labelledOurs(): Promise<string[]> {
    const found = await live.managedObjects([1, 2, 3, 4]);
    for (const n of [1, 2, 3, 4]) {
        const nsLabels = await live.namespaceLabels(n);
        if (nsLabels[labels.mesh]) found.push(`${c(n)} namespace label ${nsLabels[labels.mesh]}`);
    }
    return found;
}

describe("teardown", () => {
    const before =
        "# kept by hand\nnetworks:\n  legacy:\n    endpoints:\n    - fromCidr: 192.168.0.0/16\n    gateways:\n    - address: " +
        "198.51.100.1\n      port: 15443\n";
    const snapshot = async () => ({
        cm: (await live.meshConfigMap()).data,
        nsLabels: await Promise.all([1, 2, 3].map((n) => live.namespaceLabels(n))),
        foreign: (await live.get(2, `${ns}/services/other-owner`)).metadata.resourceVersion,
    });

    beforeAll(async () => {
        await live.send(
            1,
            "PATCH",
            `${ns}/configmaps/istio`,
            { data: { meshNetworks: before, extra: "keep me" } },
            "application/merge-patch+json",
        );
        await live.send(2, "PATCH", ns, { metadata: { labels: { team: "platform" } } }, "application/merge-patch+json");
        await live.send(2, "POST", `${ns}/services`, { metadata: { name: "other-owner" }, spec: { ports: [{ port: 80 }] } });
    });
    afterAll(async () => {
        await live.send(
            1,
            "PATCH",
            `${ns}/configmaps/istio`,
            { data: { meshNetworks: null, extra: null } },
            "application/merge-patch+json",
        );
        await live.send(2, "PATCH", ns, { metadata: { labels: { team: null } } }, "application/merge-patch+json");
        await live.send(2, "DELETE", `${ns}/services/other-owner`);
    });

    test("destroy leaves no object of ours and everything else byte for byte as it was", async () => {
        const was = await snapshot();
        const stack = new TopologyStack("teardown");
        try {
            await stack.create(3);
            await stack.apply(topology);
            expect(Object.keys(await live.meshNetworks()).sort()).toEqual(["a-east", "a-west", "legacy"]);
            expect((await live.meshConfigMap()).data.extra).toBe("keep me");
            expect((await live.namespaceLabels(2)).team).toBe("platform");
            expect((await labelledOurs()).length).toBeGreaterThan(0);
            await stack.ok(["destroy", "--yes", "--skip-preview"]);
            expect(await labelledOurs()).toEqual([]);
            expect(await snapshot()).toEqual(was);
        } finally {
            await stack.remove();
        }
    });
});

describe("two stacks claim one cluster", () => {
    test("the second gets a clear conflict at preview and up; the first stack's objects are untouched", async () => {
        const first = new TopologyStack("owner-a");
        const second = new TopologyStack("owner-b");
        try {
            await first.create(4);
            await first.apply({ ...topology, interconnect: undefined, gateways: [] });
            const labelsBefore = await live.namespaceLabels(2);
            const versionBefore = (await live.get(2, ns)).metadata.resourceVersion;

            // The other mesh's control plane runs on cluster-4: Istio as if installed there too.
            await live.installControlPlane(4);
            await second.create(4);
            const other: Topology = {
                meshId: "mesh-other",
                controlPlane: { cluster: c(4) },
                clusters: [{ name: c(2) }, { name: c(4) }],
                groups: [{ name: "b-net", clusters: [c(2)] }],
                gateways: [],
            };
            const preview = await second.previewOf(other);
            const message = errors(preview).join("\n");
            expect(message).toContain(
                `NetworkGroup "b-net": cluster "cluster-2" already belongs to network group "a-east" of "multinet-topology/${first.name}/mesh-own"`,
            );
            const up = await second.run(["up", "--yes", "--skip-preview"]);
            expect(up.code).not.toBe(0);
            expect(up.stdout + up.stderr).toContain(`already belongs to network group "a-east"`);

            expect(await live.namespaceLabels(2)).toEqual(labelsBefore);
            expect((await live.get(2, ns)).metadata.resourceVersion).toBe(versionBefore);
        } finally {
            await second.remove();
            await first.remove();
            await live.removeControlPlane(4);
        }
    });
});

describe("secrets", () => {
    test("no token or kubeconfig in state, preview JSON or any output: not the users', not the istiod readers'", async () => {
        const state = readState()!;
        const secrets = [...state.adminTokens, state.bedToken, Buffer.from(state.ca).toString("base64").slice(0, 40)];
        const stack = new TopologyStack("secrets");
        const seen: string[] = [];
        try {
            await stack.create(3);
            await stack.setTopology(topology);
            seen.push(JSON.stringify(await stack.preview()));
            seen.push(...Object.values(await stack.up()).map(String));
            // The reader tokens istiod got, and the remote secrets made of them.
            for (const n of [2, 3]) {
                const token = (await live.get(n, `${ns}/secrets/istio-reader-mesh-own-token`)).data.token;
                secrets.push(token, Buffer.from(token, "base64").toString("utf8"));
                secrets.push((await live.get(1, `${ns}/secrets/istio-remote-secret-${c(n)}`)).data[c(n)].slice(0, 60));
            }
            seen.push((await stack.ok(["refresh", "--yes", "--skip-preview"])).stdout);
            seen.push(JSON.stringify(await stack.preview()));
            const exported = await stack.exportState();
            seen.push(exported);
            seen.push((await stack.ok(["stack", "output", "--json"])).stdout);
            expect(exported).toContain('"ciphertext"');
        } finally {
            await stack.remove();
        }
        const all = seen.join("\n");
        expect(all.length).toBeGreaterThan(1000);
        for (const s of secrets) expect(all).not.toContain(s);
        expect(all).not.toContain("certificate-authority-data");
    });
});
