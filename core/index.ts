// The pure core: validation, rendering, meshNetworks, change classification; no I/O, no Kubernetes client. Both
// the SDK (during a program) and the provider (during create/update/delete) import it; unit tests and the benchmark too.
export * from "./changes";
export * from "./injection";
export * from "./meshNetworks";
export * from "./names";
export * from "./permissions";
export * from "./render";
export * from "./validate";
export * from "./rules";
export * from "./planner";
