// The console's Lambda carries its files: the manifest names them (`assets`) and the bundling
// step copies them beside the code, where functions/http/console.ts looks first on AWS.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { afterAll, describe, expect, it } from "vitest";
import { createManifestFunction } from "../../cdk/constructs/manifest-function.ts";
import { ROUTES } from "../../functions/manifest.ts";

describe("the console's function on AWS", () => {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "posthaste-console-cdk-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("is bundled with every file the console serves", () => {
    const app = new App({ outdir });
    const stack = new Stack(app, "ConsoleAssets");
    const def = ROUTES.find((route) => route.name === "Console")!;
    createManifestFunction(stack, {
      kind: "route",
      def,
      role: new iam.Role(stack, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") }),
      environment: {},
      senderEnvironment: {},
    });
    app.synth();
    const bundles = readdirSync(outdir).filter((name) => name.startsWith("asset.") && existsSync(path.join(outdir, name, "index.mjs")));
    expect(bundles).toHaveLength(1);
    const assets = readdirSync(path.join(outdir, bundles[0], "assets")).sort();
    expect(assets).toEqual(["app.js", "console.css", "frame.html", "i18n.js", "index.html", "uPlot.iife.min.js", "uPlot.min.css"]);
  }, 180_000); // Bundling one function takes a Node process and esbuild: slow on two busy cores.
});
