// How every Lambda is bundled, in one place: cdk/constructs/manifest-function.ts (through
// cdk/bundle-lambda.ts) and bench/bundles.ts both call bundleLambda, so the bench measures what
// deploys. esbuild runs in the repository root, where LAMBDA_ALIASES' paths start.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { REPO_ROOT } from "./paths.ts";

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

/**
 * The AWS SDK clients' generated schemas (dist-es/schemas/schemas_0.js: every shape of the
 * service) key their trait objects with constants, `{ [_hH]: _xaa }`. esbuild cannot prove a
 * computed key free of side effects, so it keeps every schema, used or not: 60 KB of S3 shapes
 * and 45 KB of SESv2 shapes in a function that sends two commands (aws/aws-sdk-js-v3#7607; the
 * code generator's fix, smithy-lang/smithy-typescript#1889, writes the literal keys this
 * writes). This plugin puts each constant's string in place of the computed key as the file is
 * loaded: the same objects at run time, and esbuild drops the schemas no command reaches.
 * test/cdk/lambda-bundling.test.ts checks that each rewritten module still exports the same values.
 */
export const SDK_SCHEMA_FILE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** The schema module's source with every `[_constant]:` key written as the constant's string. */
export function literalSchemaKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) strings.set(name, literal);
  return source.replace(/\[(_\w+)\]:/g, (key, name: string) => (strings.has(name) ? `${strings.get(name)}:` : key));
}

const sdkSchemaKeys: Plugin = {
  name: "sdk-schema-literal-keys",
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_FILE }, async (args) => ({
      contents: literalSchemaKeys(await readFile(args.path, "utf8")),
      loader: "js",
    }));
  },
};

/**
 * tldts' public-suffix trie (dist/es6/src/data/trie.js) writes its four typed arrays as array
 * literals, `new Uint16Array([0, 12, 7, ...])`: about 2.2 bytes of source for each of some
 * 22,000 numbers, which esbuild cannot shorten and V8 must parse into an array literal at every
 * cold start. This plugin writes each array as a string, one character per number (its value
 * plus 35, so most are one printable byte; an ascending array as the steps between its
 * numbers), decoded into the same typed array as the module is evaluated: the same trie, the
 * same answers (test/cdk/lambda-bundling.test.ts compares the two modules' exports and the
 * parsed names), 22 KB less in the functions that take a domain name.
 */
export const TLDTS_TRIE_FILE = /[\\/]tldts[\\/]dist[\\/]es6[\\/]src[\\/]data[\\/]trie\.js$/;

const CHAR_OFFSET = 35;
type TypedArrayName = "Uint8Array" | "Uint16Array" | "Uint32Array";

/** The trie module's exports, each typed array written as a string decoded at load. */
export function compactTrieModule(exports: Record<string, unknown>): string {
  const lines = [
    `const decode = (Type, text, ascending) => { const values = new Type(text.length); for (let i = 0, sum = 0; i < text.length; i++) { const n = text.charCodeAt(i) - ${CHAR_OFFSET}; sum = ascending ? sum + n : n; values[i] = sum; } return values; };`,
  ];
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === "string" || typeof value === "number") lines.push(`export const ${name} = ${JSON.stringify(value)};`);
    else if (value instanceof Uint8Array || value instanceof Uint16Array || value instanceof Uint32Array) {
      const type = value.constructor.name as TypedArrayName;
      const ascending = value.every((n, i) => i === 0 || n >= value[i - 1]);
      const numbers = ascending ? value.map((n, i) => (i === 0 ? n : n - value[i - 1])) : value;
      // A character holds 0xFFFF at most; a bigger number would not survive the round trip.
      if (numbers.some((n) => n + CHAR_OFFSET > 0xffff))
        throw new Error(`tldts trie: ${name} holds a number too big to write as a character`);
      const text = String.fromCharCode(...Array.from(numbers, (n) => n + CHAR_OFFSET));
      lines.push(`export const ${name} = /*#__PURE__*/ decode(${type}, ${JSON.stringify(text)}, ${ascending});`);
    } else throw new Error(`tldts trie: export ${name} is neither a typed array, a string nor a number; update compactTrieModule`);
  }
  return `${lines.join("\n")}\n`;
}

const tldtsCompactTrie: Plugin = {
  name: "tldts-compact-trie",
  setup(build) {
    build.onLoad({ filter: TLDTS_TRIE_FILE }, async (args) => ({
      contents: compactTrieModule(await import(pathToFileURL(args.path).href)),
      loader: "js",
    }));
  },
};

/**
 * Every function's bundle starts with cdk/bundle-shims/stack-traces.ts, which maps its stack
 * traces to the TypeScript sources through the source map beside it, read on the first stack
 * formatted rather than at every cold start as `--enable-source-maps` does (docs/deploy.md,
 * "Stack traces"). bundleLambda names an entry `posthaste-entry:<path>`; this plugin makes that
 * module import the shim before re-exporting the entry, so the mapping is in place before any
 * of the function's own code runs.
 */
const ENTRY_NAMESPACE = "posthaste-entry";
const STACK_TRACES_SHIM = path.join(REPO_ROOT, "cdk", "bundle-shims", "stack-traces.ts");

const mappedStackTraces: Plugin = {
  name: "mapped-stack-traces",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}:`) }, (args) => ({
      path: args.path.slice(ENTRY_NAMESPACE.length + 1),
      namespace: ENTRY_NAMESPACE,
    }));
    build.onResolve({ filter: /^posthaste:stack-traces$/ }, () => ({ path: "stack-traces", namespace: "posthaste-stack-traces" }));
    build.onLoad({ filter: /.*/, namespace: "posthaste-stack-traces" }, () => ({
      contents: `import { mapStackTraces } from ${JSON.stringify(STACK_TRACES_SHIM)};\nmapStackTraces(import.meta.url);\n`,
      resolveDir: REPO_ROOT,
      loader: "js",
    }));
    build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, (args) => ({
      contents: `import "posthaste:stack-traces";\nexport * from ${JSON.stringify(args.path)};\n`,
      resolveDir: REPO_ROOT,
      loader: "js",
    }));
  },
};

/** esbuild options of every Lambda bundle, beside the entry point and the output file. */
export const LAMBDA_BUNDLE = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  mainFields: ["module", "main"],
  banner: { js: ESM_REQUIRE_BANNER },
  minify: true,
  /** External source map, without the sources: read by the bundle's own stack-trace mapping. */
  sourcemap: true,
  sourcesContent: false,
  alias: LAMBDA_ALIASES,
  plugins: [sdkSchemaKeys, tldtsCompactTrie, mappedStackTraces],
  absWorkingDir: REPO_ROOT,
  logLevel: "warning",
} satisfies BuildOptions;

/** Bundles one manifest entry (a path from the repository root) into `outdir`/index.mjs and its map. */
/** The folder of an entry's bundle among many (cdk/bundle-lambda.ts): its path, flattened. */
export const bundleDirName = (entry: string) => entry.replace(/[^A-Za-z0-9._-]/g, "_");

export async function bundleLambda(entry: string, outdir: string): Promise<{ file: string; metafile: Metafile }> {
  const file = path.join(outdir, "index.mjs");
  const result = await build({
    ...LAMBDA_BUNDLE,
    entryPoints: [`${ENTRY_NAMESPACE}:${path.resolve(REPO_ROOT, entry)}`],
    outfile: file,
    metafile: true,
  });
  await repoRelativeSources(`${file}.map`, outdir);
  return { file, metafile: result.metafile };
}

/**
 * The map's source paths from the repository root, a package's from its node_modules folder
 * (esbuild writes them from the map's folder, which is a temporary one).
 */
async function repoRelativeSources(mapFile: string, outdir: string): Promise<void> {
  const map = JSON.parse(await readFile(mapFile, "utf8")) as { sources: string[] };
  map.sources = map.sources.map((source) => {
    if (source.includes(":")) return source;
    const fromRoot = path.relative(REPO_ROOT, path.resolve(outdir, source)).split(path.sep).join("/");
    const inPackage = fromRoot.indexOf("node_modules/");
    return inPackage === -1 ? fromRoot : fromRoot.slice(inPackage);
  });
  await writeFile(mapFile, JSON.stringify(map));
}

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
  // nodemailer (MIME with its 76 KB table of MIME types, DKIM, the SMTP pool) beside the S3,
  // SESv2, DynamoDB, SQS and Secrets Manager clients and Velocity: every one of them used.
  Deliver: 805 * 1024,
  // S3 (bodies over 8 KB, attachments) and Velocity (template checks) beside DynamoDB and SQS.
  SendMessages: 548 * 1024,
};
