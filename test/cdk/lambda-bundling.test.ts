// The rewrite bundleLambda applies to the AWS SDK clients' schema modules (cdk/lambda-bundling.ts):
// the same values at run time, and esbuild can then drop the schemas no command uses.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { bundleLambda, LAMBDA_BUNDLE, literalSchemaKeys, SDK_SCHEMA_FILE } from "../../cdk/lambda-bundling.ts";
import { REPO_ROOT } from "../../cdk/paths.ts";

const CLIENTS = ["client-dynamodb", "client-s3", "client-secrets-manager", "client-sesv2", "client-sqs"];
const require = createRequire(path.join(REPO_ROOT, "package.json"));
const schemaFile = (client: string) =>
  path.join(path.dirname(require.resolve(`@aws-sdk/${client}/package.json`)), "dist-es", "schemas", "schemas_0.js");

const dir = mkdtempSync(path.join(os.tmpdir(), "posthaste-bundling-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The schema module's exports as esbuild bundles it, with the rewrite or without; thunks as their source. */
async function schemaExports(client: string, rewrite: boolean): Promise<string> {
  const outfile = path.join(dir, `${client}-${rewrite}.mjs`);
  await build({
    stdin: { contents: `export * from ${JSON.stringify(schemaFile(client))};`, resolveDir: REPO_ROOT },
    bundle: true,
    platform: "node",
    format: "esm",
    mainFields: ["module", "main"],
    outfile,
    logLevel: "silent",
    plugins: rewrite ? LAMBDA_BUNDLE.plugins : [],
  });
  const exports = await import(pathToFileURL(outfile).href);
  return JSON.stringify(exports, (_key, value) => (typeof value === "function" ? `fn ${String(value)}` : value));
}

describe("the SDK schema rewrite", () => {
  it.each(CLIENTS)("leaves every schema of %s as it was, and no constant key behind", async (client) => {
    expect(SDK_SCHEMA_FILE.test(schemaFile(client))).toBe(true);
    const rewritten = literalSchemaKeys(readFileSync(schemaFile(client), "utf8"));
    expect(rewritten).not.toMatch(/\[_\w+\]:/);
    expect(await schemaExports(client, true)).toEqual(await schemaExports(client, false));
  });

  it("bundles only the schemas of the commands a function sends", async () => {
    // The owner's view of a message body reads it from S3 with GetObject, and sends nothing else to S3.
    const { file, metafile } = await bundleLambda("functions/http/message-body.ts", path.join(dir, "message-body"));
    const bundle = readFileSync(file, "utf8");
    expect({ getObject: bundle.includes('"GetObjectRequest"'), createBucket: bundle.includes('"CreateBucketRequest"') }).toEqual({
      getObject: true,
      createBucket: false,
    });
    const [, s3Schemas] = Object.entries(Object.values(metafile.outputs).find((output) => output.entryPoint)!.inputs).find(([input]) =>
      input.includes("client-s3/dist-es/schemas/"),
    )!;
    // Every S3 shape is about 66 KB minified.
    expect(s3Schemas.bytesInOutput).toBeLessThan(20 * 1024);
  }, 120_000);
});
