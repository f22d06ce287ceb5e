// Benchmark 6: Lambda packaging. Each manifest function is bundled the way the CDK stack bundles
// it (bundleLambda of cdk/lambda-bundling.ts: ESM, node22, minified, external source map),
// then imported in fresh Node processes outside the repository (nothing to resolve but the
// bundle) to time its cold init: the import, which builds the handler's dependencies. Node runs
// without flags, as deployed: the bundle maps its own stack traces, reading the map only when
// a stack is formatted. The
// reference is an empty handler bundled and timed the same way: Node's own floor.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import type { Metafile } from "esbuild";
import { bundleLambda } from "../cdk/lambda-bundling.ts";
import { CONSUMERS, ROUTES, SCHEDULES } from "../functions/manifest.ts";
import { median, round } from "./stats.ts";

const run = promisify(execFile);

export interface BundleResult {
  name: string;
  entry: string;
  bytes: number;
  gzipBytes: number;
  /** Median import time in a fresh process, as deployed (the map beside the bundle), and with the map removed. */
  initMs: number;
  initMsWithoutSourceMaps: number;
  /** The biggest contributors to the bundle, by package. */
  largestPackages: { name: string; bytes: number }[];
}

export interface BundlesResult {
  functions: BundleResult[];
  reference: { bytes: number; initMs: number };
}

/** What every function reads at import on AWS (values are placeholders; nothing is called). */
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  TABLE_NAME: "posthaste",
  BUCKET_NAME: "posthaste-bodies",
  DELIVERIES_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/posthaste-deliveries",
  WEBHOOKS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/posthaste-webhooks",
  SES_EVENTS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/posthaste-ses-events",
  PUBLIC_URL: "https://mail.example.com",
  LINK_SECRET: "bench-link-secret-bench-link-secret",
  TRANSPORT: "ses",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  LOG_LEVEL: "silent",
};

const IMPORT_AND_TIME = `
const started = performance.now();
const module = await import(process.argv[1]);
if (typeof module.handler !== "function") throw new Error("no handler exported");
console.log(JSON.stringify({ initMs: performance.now() - started }));
`;

async function initMs(file: string, cwd: string, runs: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const args = ["--input-type=module", "--eval", IMPORT_AND_TIME, pathToFileURL(file).href];
    const { stdout } = await run(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? "", ...LAMBDA_ENV } });
    samples.push((JSON.parse(stdout.trim().split("\n").at(-1)!) as { initMs: number }).initMs);
  }
  return round(median(samples));
}

function largestPackages(metafile: Metafile): { name: string; bytes: number }[] {
  const inputs = Object.entries(metafile.outputs).find(([name]) => name.endsWith(".mjs"))?.[1].inputs ?? {};
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match ? match[1] : "(posthaste)";
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

export async function benchBundles(runs: number, only: string[] | undefined, progress: (line: string) => void): Promise<BundlesResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "posthaste-bundles-"));
  try {
    const empty = path.join(dir, "empty.mjs");
    await writeFile(empty, "export const handler = async () => ({ statusCode: 200 });\n");
    const reference = await bundleLambda(empty, path.join(dir, "reference"));
    const functions: BundleResult[] = [];
    for (const def of [...ROUTES, ...CONSUMERS, ...SCHEDULES].filter((d) => !only || only.includes(d.name))) {
      progress(`bundling ${def.name}`);
      const outdir = path.join(dir, def.name);
      await mkdir(outdir, { recursive: true });
      const { file, metafile } = await bundleLambda(def.entry, outdir);
      const asDeployed = await initMs(file, dir, runs);
      await unlink(`${file}.map`);
      functions.push({
        name: def.name,
        entry: def.entry,
        bytes: (await stat(file)).size,
        gzipBytes: gzipSync(readFileSync(file)).length,
        initMs: asDeployed,
        initMsWithoutSourceMaps: await initMs(file, dir, runs),
        largestPackages: largestPackages(metafile),
      });
    }
    return { functions, reference: { bytes: (await stat(reference.file)).size, initMs: await initMs(reference.file, dir, runs) } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
