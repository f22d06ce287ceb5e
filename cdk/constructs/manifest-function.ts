// One Lambda for one manifest entry: Node.js 22 on arm64, bundled at synth by the locally
// installed esbuild (never Docker) with the options of cdk/lambda-bundling.ts, with its own log
// group, running as the role of its `access` (cdk/constructs/function-roles.ts).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import type { ConsumerDef, RouteDef, ScheduleDef } from "../../functions/manifest.ts";
import { bundleDirName } from "../lambda-bundling.ts";
import { fromRoot, REPO_ROOT } from "../paths.ts";

export type FunctionKind = "route" | "consumer" | "schedule";
export type ManifestEntry = RouteDef | ConsumerDef | ScheduleDef;

export interface ManifestFunctionProps {
  kind: FunctionKind;
  def: ManifestEntry;
  /** The shared role that grants exactly this entry's access. */
  role: iam.IRole;
  /** Read by every function. */
  environment: Record<string, string>;
  /** Added only for functions whose access says they send mail. */
  senderEnvironment: Record<string, string>;
}

const DEFAULT_TIMEOUT_SECONDS: Record<FunctionKind, number> = { route: 10, consumer: 30, schedule: 60 };
const DEFAULT_MEMORY_MB = 512;

export const timeoutSeconds = (kind: FunctionKind, def: ManifestEntry) => def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[kind];

/** The description names the manifest entry, so a function can be traced back to its source. */
export const describeEntry = (kind: FunctionKind, def: ManifestEntry) => `Posthaste ${kind} ${def.name} (${def.entry})`;

/** Where each entry's bundle is, once bundled (a folder removed when synth ends). */
const bundles = new Map<string, string>();
let bundlesRoot: string | undefined;

/**
 * Bundles the entries not bundled yet, side by side in one run of cdk/bundle-lambda.ts (a Node
 * start per function cost more than its bundle). The stack hands it every entry before it
 * creates its functions; a function created alone bundles its own entry.
 */
export function bundleEntries(entries: string[]): void {
  const missing = [...new Set(entries)].filter((entry) => !bundles.has(entry));
  if (missing.length === 0) return;
  if (!bundlesRoot) {
    const root = mkdtempSync(path.join(os.tmpdir(), "posthaste-bundles-"));
    process.on("exit", () => rmSync(root, { recursive: true, force: true }));
    bundlesRoot = root;
  }
  execFileSync(process.execPath, ["--import", "tsx", fromRoot("cdk/bundle-lambda.ts"), bundlesRoot, ...missing], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (const entry of missing) bundles.set(entry, path.join(bundlesRoot, bundleDirName(entry)));
}

/**
 * The entry bundled into the asset's folder by cdk/bundle-lambda.ts (bundleLambda, with the
 * plugin the CDK's own esbuild step cannot take), then the files a route reads at run time (the
 * console's), flat in a folder beside the bundle. The asset is hashed from that output.
 */
function bundledCode(def: ManifestEntry): lambda.Code {
  return lambda.Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: the local step below bundles or throws.
      image: DockerImage.fromRegistry("posthaste-bundles-locally"),
      // What the local step runs. The CDK also keys its cache of bundled assets on these
      // options (not on the local step): the entry tells one function's bundle from another's.
      command: ["tsx", "cdk/bundle-lambda.ts", def.entry],
      local: {
        tryBundle(outputDir) {
          bundleEntries([def.entry]);
          cpSync(bundles.get(def.entry)!, outputDir, { recursive: true });
          const assets = "assets" in def ? (def.assets ?? []) : [];
          if (assets.length) mkdirSync(path.join(outputDir, "assets"), { recursive: true });
          for (const asset of assets) {
            const from = fromRoot(asset);
            const into = path.join(outputDir, "assets");
            cpSync(from, statSync(from).isDirectory() ? into : path.join(into, path.basename(from)), { recursive: true });
          }
          return true;
        },
      },
    },
  });
}

export function createManifestFunction(scope: Construct, props: ManifestFunctionProps): lambda.Function {
  const { kind, def } = props;
  const logGroup = new logs.LogGroup(scope, `${def.name}Logs`, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return new lambda.Function(scope, `${def.name}Function`, {
    code: bundledCode(def),
    handler: "index.handler",
    description: describeEntry(kind, def),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: def.memoryMb ?? DEFAULT_MEMORY_MB,
    timeout: Duration.seconds(timeoutSeconds(kind, def)),
    logGroup,
    role: props.role,
    // X-Ray traces of every invocation and its AWS calls (docs/deploy.md, "Observability").
    tracing: lambda.Tracing.ACTIVE,
    environment: {
      ...props.environment,
      ...(def.access.ses ? props.senderEnvironment : {}),
      // No NODE_OPTIONS=--enable-source-maps: the bundle maps its own stack traces, reading its
      // source map at the first stack rather than at every cold start (cdk/lambda-bundling.ts).
    },
  });
}
