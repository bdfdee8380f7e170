// Reads a bed API server's audit log: requests of the admin user (what users, our provider and kubectl send;
// the bed's own user and the API server itself are not logged).
import * as fs from "fs";

export interface AuditCounts {
    reads: number;
    writes: number;
}

/** Size of an audit log now: pass it as `from` to count only what comes after. */
export function auditOffset(log: string): number {
    return fs.existsSync(log) ? fs.statSync(log).size : 0;
}

export function auditCounts(log: string, from = 0): AuditCounts {
    const counts = { reads: 0, writes: 0 };
    if (!fs.existsSync(log)) return counts;
    for (const line of fs.readFileSync(log).subarray(from).toString("utf8").split("\n")) {
        if (!line.includes(`"username":"admin"`)) continue;
        // A SelfSubjectAccessReview or SelfSubjectRulesReview (the preview's permission check) is a question, not a
        // write: nothing is stored.
        if (/"verb":"(get|list|watch)"/.test(line) || /"resource":"selfsubject(access|rules)reviews"/.test(line)) counts.reads++;
        else if (/"verb":"/.test(line)) counts.writes++;
    }
    return counts;
}
