import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    // Two cores: e2e files each run a whole platform, so keep the number of files at once small.
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
  },
});
