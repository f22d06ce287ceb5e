// One Lambda for one manifest entry: Node.js 22 on arm64, bundled at synth by the locally
// installed esbuild (never Docker), with its own log group, running as the role of its `access`
// (cdk/constructs/function-roles.ts).
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import type { ConsumerDef, RouteDef, ScheduleDef } from "../../functions/manifest.ts";
import { LAMBDA_BUNDLE } from "../lambda-bundling.ts";
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

export function createManifestFunction(scope: Construct, props: ManifestFunctionProps): nodejs.NodejsFunction {
  const { kind, def } = props;
  const logGroup = new logs.LogGroup(scope, `${def.name}Logs`, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const fn = new nodejs.NodejsFunction(scope, `${def.name}Function`, {
    entry: fromRoot(def.entry),
    handler: "handler",
    description: describeEntry(kind, def),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: def.memoryMb ?? DEFAULT_MEMORY_MB,
    timeout: Duration.seconds(timeoutSeconds(kind, def)),
    logGroup,
    role: props.role,
    // X-Ray traces of every invocation and its AWS calls (docs/deploy.md, "Observability").
    tracing: lambda.Tracing.ACTIVE,
    projectRoot: REPO_ROOT,
    depsLockFilePath: fromRoot("package-lock.json"),
    environment: {
      ...props.environment,
      ...(def.access.ses ? props.senderEnvironment : {}),
      NODE_OPTIONS: "--enable-source-maps",
    },
    bundling: {
      forceDockerBundling: false,
      // LAMBDA_BUNDLE (cdk/lambda-bundling.ts), in the CDK's terms.
      format: nodejs.OutputFormat.ESM,
      target: LAMBDA_BUNDLE.target,
      mainFields: [...LAMBDA_BUNDLE.mainFields],
      banner: LAMBDA_BUNDLE.banner,
      minify: LAMBDA_BUNDLE.minify,
      sourceMap: LAMBDA_BUNDLE.sourcemap,
      sourcesContent: LAMBDA_BUNDLE.sourcesContent,
      esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, to])),
      logLevel: nodejs.LogLevel.WARNING,
      // Bundle the pinned SDK clients instead of the runtime's: same versions as local, faster cold start.
      bundleAwsSDK: true,
      // Files a route reads at run time (the console's), flat in a folder beside the bundle.
      ...("assets" in def && def.assets?.length
        ? {
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (inputDir: string, outputDir: string) => [
                `mkdir -p "${outputDir}/assets"`,
                ...def.assets!.map((asset) => `cp -R "${inputDir}/${asset}"${asset.includes(".") ? "" : "/."} "${outputDir}/assets/"`),
              ],
            },
          }
        : {}),
    },
  });
  return fn;
}
