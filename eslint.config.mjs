// Lint: typescript-eslint's recommended rules, with the exceptions this code base relies on, said why.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: [
            "dist/**",
            "node_modules/**",
            "test/.work/**",
            "coverage/**",
            "plugin/index.js",
            "plugin/lib/**",
            "plugin/node_modules/**",
            "sdks/**",
        ],
    },
    js.configs.recommended,
    { files: ["jest.config.js"], languageOptions: { sourceType: "commonjs", globals: { module: "writable" } } },
    ...tseslint.configs.recommended,
    {
        rules: {
            // The Kubernetes client is ESM-only and loaded with require() where it is needed (provider/kube.ts), and the
            // provider is required lazily so that programs load it only when a preview reads clusters.
            "@typescript-eslint/no-require-imports": "off",
            // Kubernetes objects are open-ended JSON; `any` marks where we read fields the client does not type.
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
