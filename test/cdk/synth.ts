// Synthesizes the stack offline (no credentials, no network, no Docker) with the context of
// cdk.json plus overrides, into a temporary directory, and offers small queries on the template.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, cx_api as cxapi } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describeEntry, type FunctionKind, type ManifestEntry } from "../../cdk/constructs/manifest-function.ts";
import { fromRoot } from "../../cdk/paths.ts";
import { PosthasteStack } from "../../cdk/posthaste-stack.ts";
import { readSettings } from "../../cdk/settings.ts";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export interface Resource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
}

export interface Synthesized {
  template: Template;
  resources: Record<string, Resource>;
  /** The cloud assembly directory: staged assets live here. */
  outdir: string;
  cleanup(): void;
}

/**
 * `bundle: false` skips esbuild (the CLI does the same for stacks it is not deploying): for
 * variants that assert on configuration only, so the suite bundles every function just once.
 */
export function synthesize(context: Record<string, unknown> = {}, options: { bundle: boolean } = { bundle: true }): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "posthaste-cdk-"));
  const cdkJson = JSON.parse(readFileSync(fromRoot("cdk.json"), "utf8"));
  const skipBundling = options.bundle ? {} : { [cxapi.BUNDLING_STACKS]: [] };
  const app = new App({ outdir, context: { ...cdkJson.context, ...context, ...skipBundling } });
  const stack = new PosthasteStack(app, "PosthasteTest", { settings: readSettings((key) => app.node.tryGetContext(key)) });
  const template = Template.fromStack(stack);
  return {
    template,
    resources: template.toJSON().Resources,
    outdir,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

export const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** True when `value` holds a Ref or Fn::GetAtt to `logicalId` anywhere inside it. */
export function refersTo(value: Json, logicalId: string): boolean {
  if (Array.isArray(value)) return value.some((item) => refersTo(item, logicalId));
  if (value && typeof value === "object") {
    if (value.Ref === logicalId) return true;
    if (Array.isArray(value["Fn::GetAtt"]) && value["Fn::GetAtt"][0] === logicalId) return true;
    return Object.values(value).some((item) => refersTo(item, logicalId));
  }
  return false;
}

/** The logical id a `{Ref}` or `{Fn::GetAtt}` points at. */
export const targetOf = (value: Json): string | undefined => value?.Ref ?? value?.["Fn::GetAtt"]?.[0];

/** The Lambda built for a manifest entry, found by the description that names its entry file. */
export function manifestFunction(resources: Record<string, Resource>, kind: FunctionKind, def: ManifestEntry): [string, Resource] {
  const found = ofType(resources, "AWS::Lambda::Function").filter(([, fn]) => fn.Properties.Description === describeEntry(kind, def));
  if (found.length !== 1) throw new Error(`Expected one Lambda for ${kind} ${def.name}, found ${found.length}`);
  return found[0];
}

/** Every IAM statement attached to a role, from AWS::IAM::Policy resources and inline policies. */
export function statementsOfRole(resources: Record<string, Resource>, roleId: string): Json[] {
  const attached = ofType(resources, "AWS::IAM::Policy")
    .filter(([, policy]) => (policy.Properties.Roles ?? []).some((role: Json) => targetOf(role) === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
  const inline = (resources[roleId]?.Properties.Policies ?? []).flatMap((policy: Json) => policy.PolicyDocument.Statement);
  return [...attached, ...inline];
}

export const actionsOf = (statement: Json): string[] => [statement.Action ?? []].flat();
