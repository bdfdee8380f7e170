// The fake cluster answers as an API server does where the providers decide on the answer; if it did not, the
// provider tests built on it would prove nothing. Each case is a behaviour of kube-apiserver's server-side apply,
// merge patch or error mapping that a provider branch depends on.
import { ClusterError } from "../../provider/kube";
import { clearFakeClusters, FakeCluster } from "../helpers/fakeCluster";

const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "istio-system" } };
const cm = (data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "x", namespace: "istio-system" },
    data,
});

let c: FakeCluster;
beforeEach(() => {
    clearFakeClusters();
    c = new FakeCluster("c").seed(ns).register();
});

async function refusal(p: Promise<unknown>): Promise<ClusterError> {
    const e = await p.then(
        () => undefined,
        (x) => x,
    );
    if (!(e instanceof ClusterError)) throw new Error(`expected a ClusterError, got ${e}`);
    return e;
}

test("apply of a field another manager holds with another value is a 409 naming that manager; force takes it", async () => {
    await c.apply(cm({ a: "1" }), "kubectl", false);
    const e = await refusal(c.apply(cm({ a: "2" }), "me", false));
    expect(e.status).toBe(409);
    expect(e.conflictManagers).toEqual(["kubectl"]);
    expect(e.message).toContain(
        `server-side apply conflict on ConfigMap istio-system/x: Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a`,
    );
    await c.apply(cm({ a: "2" }), "me", true);
    expect(c.peek("ConfigMap", "x", "istio-system")!.data).toEqual({ a: "2" });
    expect(c.fieldsOf("ConfigMap", "x", "istio-system", "kubectl")).toEqual([]);
    expect(c.fieldsOf("ConfigMap", "x", "istio-system", "me")).toEqual([".data.a"]);
});

test("the same value is shared, not a conflict; a field one manager drops stays while another holds it", async () => {
    await c.apply(cm({ a: "1", b: "1" }), "kubectl", false);
    await c.apply(cm({ a: "1" }), "me", false);
    await c.apply(cm({}), "me", false);
    expect(c.peek("ConfigMap", "x", "istio-system")!.data).toEqual({ a: "1", b: "1" });
    await c.apply(cm({}), "kubectl", false);
    expect(c.peek("ConfigMap", "x", "istio-system")!.data).toBeUndefined();
});

test("an edit by hand takes the fields it changes from their applier", async () => {
    await c.apply(cm({ a: "1" }), "me", false);
    c.edit("ConfigMap", "x", "istio-system", { data: { a: "9" } });
    expect(c.fieldsOf("ConfigMap", "x", "istio-system", "kubectl-edit")).toEqual([".data.a"]);
    expect((await refusal(c.apply(cm({ a: "1" }), "me", false))).conflictManagers).toEqual(["kubectl-edit"]);
});

test("a failed resourceVersion precondition is a 409 without managers, as retryOnConflict recognises it", async () => {
    const first = await c.apply(cm({ a: "1" }), "me", false);
    c.edit("ConfigMap", "x", "istio-system", { data: { b: "2" } });
    const e = await refusal(
        c.mergePatch(
            "v1",
            "ConfigMap",
            "x",
            "istio-system",
            { metadata: { resourceVersion: first.metadata.resourceVersion }, data: { a: "3" } },
            "me",
        ),
    );
    expect([e.status, e.conflictManagers]).toEqual([409, []]);
    expect(e.message).toContain("the object has been modified");
    const stale = await refusal(
        c.apply({ ...ns, metadata: { ...ns.metadata, resourceVersion: first.metadata.resourceVersion } }, "me", false),
    );
    expect(stale.message).toContain("the object has been modified");
});

test("a merge patch removes with null, sets the rest, and 404s on a missing object; get and delete of one answer undefined", async () => {
    await c.apply(cm({ a: "1", b: "2" }), "me", false);
    const patched = await c.mergePatch<any>("v1", "ConfigMap", "x", "istio-system", { data: { a: null, c: "3" } }, "me");
    expect(patched.data).toEqual({ b: "2", c: "3" });
    const e = await refusal(c.mergePatch("v1", "ConfigMap", "gone", "istio-system", { data: {} }, "me"));
    expect([e.status, e.message]).toEqual([
        404,
        `cluster "c": patch ConfigMap istio-system/gone failed (404): configmaps "gone" not found`,
    ]);
    expect(await c.get("v1", "ConfigMap", "gone", "istio-system")).toBeUndefined();
    await c.delete("v1", "ConfigMap", "gone", "istio-system");
});

test("a namespaced object needs its namespace; lists select by label", async () => {
    const e = await refusal(c.apply({ ...cm({}), metadata: { name: "x", namespace: "nope" } }, "me", false));
    expect(e.status).toBe(404);
    c.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: "b", labels: { k: "v", j: "w" } } });
    const names = async (selector: string) => (await c.list("v1", "Namespace", selector)).map((o) => o.metadata.name);
    expect(await names("k=v,j")).toEqual(["b"]);
    expect(await names("!k")).toEqual(["istio-system"]);
    expect(await names("k!=v")).toEqual(["istio-system"]);
    expect(await names("")).toEqual(["istio-system", "b"]);
});

test("an unreachable cluster fails every request as a refused connection, which Cluster maps to unreachable", async () => {
    c.unreachable = true;
    const e = await refusal(c.get("v1", "Namespace", "istio-system"));
    expect(e.unreachable).toBe(true);
    expect(e.message).toContain(
        `cluster "c": cannot reach the API server at https://127.0.0.1:1 to get Namespace (all)`.replace("(all)", "istio-system"),
    );
});

test("only writes that change something are recorded", async () => {
    await c.apply(cm({ a: "1" }), "me", false);
    await c.apply(cm({ a: "1" }), "me", false);
    await c.get("v1", "ConfigMap", "x", "istio-system");
    expect(c.writes).toEqual(["apply ConfigMap istio-system/x by me"]);
});
