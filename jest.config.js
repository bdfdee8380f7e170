// Two projects: `unit` (pure code, no servers) and `bed` (the real Pulumi engine against the bed's API servers).
// The bed project's global setup brings up one bed per worker (building what is missing) and takes down what it
// started; each worker's tests use their own bed.
const tsJest = { "^.+\\.ts$": ["ts-jest", { tsconfig: "test/tsconfig.json" }] };
// The unit project only transpiles (each file alone, no type-check): `npm run lint` type-checks the tests.
const transpileOnly = { "^.+\\.ts$": ["ts-jest", { tsconfig: "test/tsconfig.transpile.json" }] };

module.exports = {
    projects: [
        {
            displayName: "unit",
            testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
            transform: transpileOnly,
            testEnvironment: "node",
        },
        {
            displayName: "bed",
            testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
            transform: tsJest,
            testEnvironment: "node",
            globalSetup: "<rootDir>/test/bed-global-setup.ts",
            globalTeardown: "<rootDir>/test/bed-global-teardown.ts",
            setupFiles: ["<rootDir>/test/bed-worker.ts"],
            slowTestThreshold: 120,
        },
    ],
    testTimeout: 15 * 60 * 1000,
};
