import { defineConfig } from "vitest/config";

// One project per tier, chosen by folder: `npm test` runs them all, `npm run test:unit` (and the
// other test:* scripts) one of them. Each project takes the settings below and adds its own.
const STAND_INS = ["test/support/global-setup.ts"];

export default defineConfig({
  test: {
    pool: "forks",
    // Two cores: e2e files each run a whole platform, so keep the number of files at once small.
    // Vitest takes one limit for all projects that run together.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      LOG_LEVEL: "silent",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // Handler modules build their default dependencies when imported, as on Lambda; tests
      // build their own with makeHandler(deps), so these only have to exist.
      TABLE_NAME: "unused-by-tests",
      BUCKET_NAME: "unused-by-tests",
      LINK_SECRET: "unused-by-tests",
    },
    projects: [
      // Pure modules and small local servers on port 0: no stand-ins. The files share their workers
      // and module cache (isolate: false), which makes the tier three times faster; they keep no
      // state between tests, and the one that sets an environment variable removes it.
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], isolate: false } },
      // Handlers against the shared stand-ins, started once for the project by the global setup.
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"], globalSetup: STAND_INS } },
      // The whole platform per file; smtp-entry also uses the shared stand-ins (makeTestEnv).
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], globalSetup: STAND_INS } },
      // The synthesized CloudFormation template, offline. Its setup bundles every function with
      // esbuild, which on two busy cores can take minutes.
      { extends: true, test: { name: "cdk", include: ["test/cdk/**/*.test.ts"], hookTimeout: 300_000 } },
    ],
  },
});
