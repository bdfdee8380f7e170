// Which processes belong to a bed: `bed down` stops exactly these, so a miss leaves a process behind.
import { namesRunDir } from "../../bed/procs";

const dir = "/cache/run";

test("a bed's processes name its run folder as an argument, a path inside it or a flag's value", () => {
    expect(namesRunDir(["node", "tsx", "bed/controllers.ts", dir], dir)).toBe(true);
    expect(namesRunDir(["etcd", `--data-dir=${dir}/etcd`], dir)).toBe(true);
    expect(namesRunDir(["kube-apiserver", `--cert-dir=${dir}`], dir)).toBe(true);
    expect(namesRunDir(["pilot-discovery", "--meshConfig", `${dir}/mesh.yaml`], dir)).toBe(true);
});

test("another bed's run folder that starts with this one's name is not this bed's", () => {
    expect(namesRunDir(["node", "bed/controllers.ts", `${dir}-1`], dir)).toBe(false);
    expect(namesRunDir(["etcd", `--data-dir=${dir}-1/etcd`], dir)).toBe(false);
    expect(namesRunDir(["node", "bed/controllers.ts", "/cache/run-1"], "/cache/run-")).toBe(false);
});
