// The benchmark's baseline: what `pulumi new typescript` gives, without its resource. Its preview and update are
// the engine's, the language host's and Node's fixed cost, which every program pays.
import "@pulumi/pulumi";
