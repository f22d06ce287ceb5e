// The rewrite bundleLambda applies to the AWS SDK clients' schema modules (cdk/lambda-bundling.ts):
// the same values at run time, and esbuild can then drop the schemas no command uses.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import {
  bundleLambda,
  compactTrieModule,
  LAMBDA_BUNDLE,
  literalSchemaKeys,
  SDK_SCHEMA_FILE,
  TLDTS_TRIE_FILE,
} from "../../cdk/lambda-bundling.ts";
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

describe("the tldts trie rewrite", () => {
  const trieFile = path.join(path.dirname(require.resolve("tldts/package.json")), "dist", "es6", "src", "data", "trie.js");

  it("writes the same typed arrays and strings, in a fraction of the source", async () => {
    expect(TLDTS_TRIE_FILE.test(trieFile)).toBe(true);
    const original = await import(pathToFileURL(trieFile).href);
    const compact = compactTrieModule(original);
    const compactFile = path.join(dir, "trie-compact.mjs");
    writeFileSync(compactFile, compact);
    const rewritten = await import(pathToFileURL(compactFile).href);
    expect(Object.keys(rewritten).sort()).toEqual(Object.keys(original).sort());
    for (const name of Object.keys(original)) {
      expect(rewritten[name]?.constructor, name).toBe(original[name].constructor);
      expect(rewritten[name], name).toEqual(original[name]);
    }
    expect(Buffer.byteLength(compact)).toBeLessThan(0.85 * readFileSync(trieFile).length);
  });

  it("gives the bundled domain check the same answers as the source", async () => {
    const outfile = path.join(dir, "names.mjs");
    await build({
      ...LAMBDA_BUNDLE,
      stdin: { contents: 'export { sendingDomainName } from "./shared/domains/names.ts";', resolveDir: REPO_ROOT, loader: "ts" },
      outfile,
      sourcemap: false,
      logLevel: "silent",
    });
    const bundled = await import(pathToFileURL(outfile).href);
    const source = await import("../../shared/domains/names.ts");
    const answer = (check: (name: string) => string, name: string) => {
      try {
        return check(name);
      } catch (error) {
        return `${String(error)} ${JSON.stringify((error as { reasons?: unknown }).reasons)}`;
      }
    };
    // ICANN and private suffixes, wildcards (*.ck) and their exceptions (www.ck), IDNs, IPs.
    const names = [
      "example.com",
      "co.uk",
      "shop.co.uk",
      "github.io",
      "user.github.io",
      "ck",
      "foo.ck",
      "www.ck",
      "city.kawasaki.jp",
      "kawasaki.jp",
      "пример.рф",
      "рф",
      "s3.amazonaws.com",
      "bucket.s3.amazonaws.com",
      "blogspot.com",
      "x.blogspot.com",
      "10.0.0.1",
      "localhost",
      "com",
      "a.b.c.d.example.org",
      "appspot.com",
      "my.appspot.com",
      "nonexistenttld",
      "x.nonexistenttld",
    ];
    for (const name of names) expect(answer(bundled.sendingDomainName, name), name).toBe(answer(source.sendingDomainName, name));
    expect(bundled.sendingDomainName("user.github.io")).toBe("user.github.io");
    expect(answer(bundled.sendingDomainName, "github.io")).toContain("public_suffix");
  }, 60_000);
});

describe("the bundles' stack traces", () => {
  // Imports the bundle in a fresh Node, without --enable-source-maps (the functions run without
  // it), optionally moves the map away after the import, then prints the handler's error.
  const stackOf = (file: string, hideMapAfterImport: boolean) =>
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "--eval",
        `import { renameSync } from "node:fs";
         const bundle = await import(process.argv[1]);
         if (${hideMapAfterImport}) renameSync(process.argv[2] + ".map", process.argv[2] + ".hidden");
         try { await bundle.handler({ reason: "on purpose" }); } catch (error) { console.log(error.stack); }
         if (${hideMapAfterImport}) renameSync(process.argv[2] + ".hidden", process.argv[2] + ".map");`,
        pathToFileURL(file).href,
        file,
      ],
      { encoding: "utf8" },
    );

  it("point into the TypeScript sources, through the map read at the first stack and not at import", async () => {
    const { file } = await bundleLambda("test/cdk/fixtures/throwing-entry.ts", path.join(dir, "throwing"));
    const mapped = stackOf(file, false);
    expect(mapped).toContain("Error: refused: on purpose");
    expect(mapped).toMatch(/at refuseOnPurpose \(test\/cdk\/fixtures\/throwing-entry\.ts:4:9\)/);
    // With the map gone after the import, the frames stay in the bundle: the import did not read it.
    const unmapped = stackOf(file, true);
    expect(unmapped).toContain("Error: refused: on purpose");
    expect(unmapped).not.toContain("throwing-entry.ts");
    expect(unmapped).toContain("index.mjs:");
  }, 60_000);

  it("leave a stack with no frame in the bundle as V8 writes it", async () => {
    const { file } = await bundleLambda("test/cdk/fixtures/throwing-entry.ts", path.join(dir, "throwing-outside"));
    const stack = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "--eval",
        `await import(process.argv[1]); console.log(new Error("outside").stack);`,
        pathToFileURL(file).href,
      ],
      { encoding: "utf8" },
    );
    expect(stack).toMatch(/^Error: outside\n {4}at file:\/\/\/.*\[eval1\]:1:/);
  }, 60_000);
});
