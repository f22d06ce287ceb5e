// How every Lambda is bundled, in one place: cdk/constructs/manifest-function.ts hands these
// options to the CDK's esbuild step and bench/bundles.ts to esbuild itself, so the bench
// measures what deploys.

// esbuild's ESM output cannot `require` Node built-ins from bundled CommonJS dependencies
// (nodemailer, mailparser) unless a real `require` exists in module scope.
export const ESM_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** esbuild options of every Lambda bundle, beside the entry point and the output file. */
export const LAMBDA_BUNDLE = {
  platform: "node",
  target: "node22",
  format: "esm",
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  /** External source map (NODE_OPTIONS=--enable-source-maps), without the sources. */
  sourcemap: true,
  sourcesContent: false,
} as const;
