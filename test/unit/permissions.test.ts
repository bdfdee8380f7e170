// The README's "Permissions" table is what the preview checks (core/permissions.ts): every permission has its row.
import * as fs from "fs";
import * as path from "path";
import { permissions } from "../../core/permissions";

const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
const section = readme.slice(readme.indexOf("### Permissions"), readme.indexOf("\n### ", readme.indexOf("### Permissions") + 1));
const rows = section
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| cluster ") && !l.startsWith("|---"))
    .map((l) => l.split("|").map((cell) => cell.trim()));

/** Which README rows speak of each role of a cluster. */
const roleRows: Record<keyof typeof permissions, string> = {
    everyCluster: "every cluster",
    controlPlane: "control-plane cluster",
    remoteSecrets: "control-plane cluster",
    gatewayCluster: "gateway clusters",
    readCluster: "other clusters",
    istiod: "control-plane cluster",
    hubRecord: "clusters of a group stack",
};

const cases = Object.entries(permissions).flatMap(([role, list]) =>
    list.map((p) => [role as keyof typeof permissions, p.group ? `${p.resource}.${p.group}` : p.resource, p] as const),
);

const rowOf = (role: keyof typeof permissions, p: (typeof cases)[number][2]) =>
    rows.find(
        ([, who, what]) =>
            who.startsWith(roleRows[role]) &&
            (what.includes(`\`${p.resource}.${p.group}\``) || (what.includes(`\`${p.resource}\``) && what.includes(p.group))),
    );

test.each(cases)("%s: %s", (role, _name, p) => {
    const row = rowOf(role, p);
    expect(row).toBeDefined();
    expect(row![3].startsWith(p.verbs.join(", "))).toBe(true);
    expect(row![2].includes("cluster-scoped")).toBe(p.scope === "cluster");
});

test("the table has no row the code does not check", () => {
    const checked = new Set(cases.map(([role, , p]) => rowOf(role, p)));
    expect(rows.filter((r) => !checked.has(r))).toEqual([]);
});
