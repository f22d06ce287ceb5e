// How every Lambda is bundled, in one place: cdk/constructs/manifest-function.ts hands these
// options to the CDK's esbuild step and bench/bundles.ts to esbuild itself, so the bench
// measures what deploys. esbuild runs in the repository root (the construct's projectRoot).

// esbuild's ESM output cannot `require` Node built-ins from bundled CommonJS dependencies
// (nodemailer, mailparser) unless a real `require` exists in module scope.
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Packages replaced in every Lambda bundle by the modules in cdk/bundle-shims/ (paths relative
 * to the repository root).
 *
 * - @aws-sdk/credential-provider-node, the SDK clients' default credential chain, tries the
 *   environment first, then profiles, SSO, web identity, a credential process and the container
 *   and instance endpoints; those links and the STS, SSO and sign-in clients they use are about
 *   100 KB of every function. On Lambda the runtime always puts the execution role's credentials
 *   in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: reserved
 *   variables, valid for the life of the execution environment), so the chain never gets past
 *   its first link (it would skip it only if AWS_PROFILE were set, which the stack never does);
 *   the shim is that link alone. Missing variables fail the first AWS call
 *   ("Unable to find environment variable credentials"). It would not hold with SnapStart
 *   (credentials come from a container endpoint there), which these functions do not use. The
 *   SMTP container on Fargate needs the whole chain: its Dockerfile bundles without this. Local
 *   runs and tests are not bundled.
 * - debug (10 KB with its helpers, for one trace line of velocityjs) prints only when the DEBUG
 *   environment variable names it, which the stack never sets: the shim is always off.
 */
export const LAMBDA_ALIASES: Record<string, string> = {
  "@aws-sdk/credential-provider-node": "./cdk/bundle-shims/credential-provider-node.ts",
  debug: "./cdk/bundle-shims/debug.ts",
};

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
  alias: LAMBDA_ALIASES,
} as const;

/**
 * The most a function's bundle (index.mjs, without its source map) may weigh: the bench's goal,
 * checked on the stack's own bundles by test/cdk/stack.test.ts.
 */
export const BUNDLE_BUDGET_BYTES = 500 * 1024;

/**
 * The functions over that budget today, each with the ceiling it may not grow past (about 10 KB
 * above its size). Each is a debt: docs/performance.md says what fills it. Shrink a ceiling when a
 * bundle shrinks; remove the entry when it fits the budget.
 */
export const OVER_BUDGET_CEILINGS_BYTES: Record<string, number> = {
  // nodemailer (MIME and the SMTP relay transport), S3, SESv2, DynamoDB, SQS, Velocity.
  Deliver: 905 * 1024,
  // S3 (bodies over 8 KB, attachments) and Velocity (stored templates) beside DynamoDB and SQS.
  SendMessages: 605 * 1024,
  WebVersion: 560 * 1024,
  // tldts' public-suffix list (about 100 KB) and the SESv2 client.
  CreateDomain: 575 * 1024,
  VerifyDomain: 515 * 1024,
  // The web version's renderer (S3 for the body, Velocity) for the owner's view.
  GetMessageBody: 537 * 1024,
  // The Infobip door: busboy and the whole accept path (S3, Velocity) for sends; the domains
  // service (tldts, SESv2) for its domains; the scheduled-sends service for bulks.
  InfobipSend: 715 * 1024,
  InfobipDomains: 640 * 1024,
  InfobipBulks: 536 * 1024,
  // The OpenAPI document is built at cold start from every route's zod schema.
  OpenApiDocument: 580 * 1024,
};
