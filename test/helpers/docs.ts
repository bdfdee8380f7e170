// The code blocks of the registry docs (docs/*.md), which the tests compile, preview or run: each block is checked
// by the test that runs its language (test/unit/docs.test.ts lists which).
import * as fs from "fs";
import * as path from "path";

export const docsDir = path.join(__dirname, "..", "..", "docs");

export interface CodeBlock {
    /** docs file name, e.g. `_index.md`. */
    file: string;
    /** The fence's language (`typescript`, `yaml`, `go`, `python`, `sh`, `text`). */
    lang: string;
    code: string;
}

/** Every fenced code block of every docs page, in order. */
export function codeBlocks(): CodeBlock[] {
    return fs
        .readdirSync(docsDir)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .flatMap((file) =>
            [...fs.readFileSync(path.join(docsDir, file), "utf8").matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
                file,
                lang: m[1],
                code: m[2],
            })),
        );
}

/** The one block of a language on the overview page (its example). */
export function example(lang: "typescript" | "yaml" | "go" | "python" | "text"): string {
    const blocks = codeBlocks().filter((b) => b.file === "_index.md" && b.lang === lang);
    if (blocks.length !== 1) throw new Error(`docs/_index.md has ${blocks.length} ${lang} blocks; the tests expect one`);
    return blocks[0].code;
}
