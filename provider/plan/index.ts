// The pure planner: no I/O, no Kubernetes client. Unit tests and the benchmark use it directly.
export * from "./changes";
export * from "./meshNetworks";
export * from "./names";
export * from "./render";
export * from "./validate";
export * from "./planner";
