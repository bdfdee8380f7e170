// How the bed reports progress: one line per step on stderr, prefixed `bed:` (callers may pass their own).
export type Log = (msg: string) => void;

export const defaultLog: Log = (m) => process.stderr.write(`bed: ${m}\n`);
