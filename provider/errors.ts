/**
 * An error meant for the user (it names the resource, cluster and fix), not a bug: it carries no stack trace, so
 * the dynamic-provider host, which logs every error with its stack, prints the message alone.
 */
export class UserError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "Error";
        this.stack = "";
    }
}
