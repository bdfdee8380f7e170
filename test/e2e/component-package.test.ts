// The component package (plugin/) as Pulumi YAML, Go and Python users get it: the schema the CLI reads from it and
// the SDKs generated from that schema are the committed ones, the Go SDK compiles against the project's Pulumi
// version, and a YAML program's bad input is refused at preview with the message a TypeScript program gets.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { generateSdks, sdkPaths } from "../../bed/sdks";
import { Stack } from "../../bed/stack";
import { goCommand, pulumiNpmVersion } from "../../bed/tools";
import { docsExampleInstall, errors, Live } from "../../bed/topology";
import { eventually, istiodClusters, networkGateways } from "../helpers/istio";
import { findPython } from "../helpers/python";
import { yamlQuickstartConfig } from "../helpers/yamlQuickstart";

const repo = path.join(__dirname, "..", "..");
const work = path.join(repo, "test", ".work", "component-package");
const live = new Live();

/** Every file under a folder, by relative path, with its content. */
function tree(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
        if (f.isFile())
            files[path.relative(dir, path.join(f.parentPath, f.name))] = fs.readFileSync(path.join(f.parentPath, f.name), "utf8");
    return files;
}

beforeAll(() => fs.rmSync(work, { recursive: true, force: true }));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("the component package", () => {
    const generated = sdkPaths(path.join(work, "generated"));
    const committed = sdkPaths(repo);

    test("its schema and Go and Python SDKs are the committed ones (else: npm run sdks)", () => {
        generateSdks(path.join(work, "generated"));
        expect(fs.readFileSync(generated.schema, "utf8")).toBe(fs.readFileSync(committed.schema, "utf8"));
        expect(tree(generated.go)).toEqual(tree(committed.go));
        expect(tree(generated.python)).toEqual(tree(committed.python));

        const schema = JSON.parse(fs.readFileSync(committed.schema, "utf8"));
        expect(schema.name).toBe("multinet");
        expect(schema.version).toBe(JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")).version);
        const mesh = schema.resources["multinet:index:Mesh"];
        expect(mesh.isComponent).toBe(true);
        expect(mesh.requiredInputs).toEqual(expect.arrayContaining(["meshId", "controlPlane", "clusters"]));
        expect(Object.keys(mesh.properties).sort()).toEqual([
            "controlPlaneRestarts",
            "gatewayAddresses",
            "gatewayPorts",
            "gatewayRule",
            "groupExports",
            "interconnected",
        ]);
        // Every input documented, as in the TypeScript SDK.
        expect(Object.entries(mesh.inputProperties).filter(([, p]: [string, any]) => !p.description)).toEqual([]);
    });

    test("the Go SDK compiles and vets against the project's Pulumi version", () => {
        const dir = path.join(work, "go");
        fs.cpSync(committed.go, dir, { recursive: true });
        const go = (args: string[]) => execFileSync(...goCommand(args), { cwd: dir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
        go(["get", `github.com/pulumi/pulumi/sdk/v3@v${pulumiNpmVersion()}`]);
        go(["mod", "tidy"]);
        go(["build", "-trimpath", "./..."]);
        go(["vet", "./..."]);
    });

    // Without Python (not one of the project's requirements) this check is reported as skipped, not passed.
    const python = findPython();
    (python ? test : test.skip)("the Python SDK is valid Python", () => {
        execFileSync(python!, ["-m", "compileall", "-q", committed.python], {
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONPYCACHEPREFIX: path.join(work, "pycache") },
        });
    });

    test("a YAML program's bad input is refused at preview, naming the field, with nothing written", async () => {
        // The YAML quickstart with cluster hosted on east-1's Pod CIDR, in the same group.
        const dir = path.join(work, "yaml-overlap");
        fs.mkdirSync(dir, { recursive: true });
        const program = fs
            .readFileSync(path.join(repo, "examples", "yaml-quickstart", "Pulumi.yaml"), "utf8")
            .replace("multinet: ../../plugin", `multinet: ${path.join(repo, "plugin")}`)
            .replace("podCidrs: [10.10.0.0/16]", "podCidrs: [10.20.0.0/16]");
        expect(program).not.toContain("10.10.0.0/16");
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), program);
        const stack = new Stack(dir, "yaml-overlap");
        try {
            await stack.init(yamlQuickstartConfig());
            const writes = [1, 2, 3].map((c) => live.auditWrites(c));
            const refused = await stack.preview();
            expect(errors(refused).join("\n")).toContain(
                `NetworkGroup "east": clusters: Pod CIDRs overlap: "hosted" has 10.20.0.0/16 and "east-1" has 10.20.0.0/16`,
            );
            expect([1, 2, 3].map((c) => live.auditWrites(c))).toEqual(writes);
        } finally {
            await stack.remove();
        }
    });

    test("a mesh split across YAML stacks: a group stack's Mesh exports its group, the hub's Mesh joins it by reference", async () => {
        await live.install(docsExampleInstall);
        const config = yamlQuickstartConfig();
        const project = (name: string, configKeys: string[], resources: object, outputs: object = {}) => {
            const dir = path.join(work, name);
            fs.mkdirSync(dir, { recursive: true });
            const keys = Object.fromEntries(
                configKeys.map((k) => [
                    k,
                    k === "controlPlaneId" || k === "westStack" ? { type: "string" } : { type: "string", secret: true },
                ]),
            );
            fs.writeFileSync(
                path.join(dir, "Pulumi.yaml"),
                JSON.stringify({
                    name,
                    runtime: "yaml",
                    packages: { multinet: path.join(repo, "plugin") },
                    config: keys,
                    resources,
                    outputs,
                }),
            );
            return dir;
        };
        const westDir = project(
            "multinet-yaml-west",
            ["west1"],
            {
                mesh: {
                    type: "multinet:Mesh",
                    properties: {
                        meshId: "mesh-yaml-split",
                        controlPlane: {},
                        clusters: [{ name: "west-1", kubeconfig: "${west1}", podCidrs: ["10.30.0.0/16"] }],
                        groups: [{ name: "west", clusters: ["west-1"] }],
                        gateways: [{ name: "west-1", group: "west", cluster: "west-1", requestedAddress: "203.0.113.7" }],
                    },
                },
            },
            { groupExports: "${mesh.groupExports}" },
        );
        const hubDir = project("multinet-yaml-hub", ["hosted", "east1", "controlPlaneId", "westStack"], {
            west: { type: "pulumi:pulumi:StackReference", properties: { name: "${westStack}" } },
            mesh: {
                type: "multinet:Mesh",
                properties: {
                    meshId: "mesh-yaml-split",
                    controlPlane: { cluster: "hosted" },
                    clusters: [
                        { name: "hosted", clusterId: "${controlPlaneId}", kubeconfig: "${hosted}", podCidrs: ["10.10.0.0/16"] },
                        { name: "east-1", kubeconfig: "${east1}", podCidrs: ["10.20.0.0/16"] },
                    ],
                    groups: [{ name: "east", clusters: ["hosted", "east-1"] }],
                    gateways: [{ name: "east-1", group: "east", cluster: "east-1" }],
                    references: [{ name: "west", group: '${west.outputs["groupExports"]["west"]}' }],
                    interconnect: { members: [{ group: "east", gateways: ["east-1"] }, { group: "west" }] },
                },
            },
        });
        const west = new Stack(westDir, "yaml-west");
        const hub = new Stack(hubDir, "yaml-hub");
        try {
            await west.init({ west1: config.west1 });
            await west.up();
            await hub.init({
                hosted: config.hosted,
                east1: config.east1,
                controlPlaneId: config.controlPlaneId,
                westStack: { value: `organization/multinet-yaml-west/${west.name}` },
            });
            expect(errors(await hub.preview())).toEqual([]);
            await hub.up();
            await eventually(async () =>
                expect((await networkGateways()).filter((g) => g.network === "west").map((g) => [g.address, g.port])).toEqual([
                    ["203.0.113.7", 15443],
                ]),
            );
            expect(Object.keys(await istiodClusters())).toContain("west-1");
            await hub.ok(["destroy", "--yes", "--skip-preview"]);
        } finally {
            await hub.remove();
            await west.remove();
        }
    });
});
