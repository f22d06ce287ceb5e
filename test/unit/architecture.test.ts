// The layers of shared/ are a rule a machine checks (test/support/architecture.ts): only the
// adapters import @aws-sdk, features meet other features only through their index.ts, and the
// folders import each other without a cycle. Only shared/config.ts reads the environment.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { architectureProblems, type ImportGraph } from "../support/architecture.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "cdk.out" ? [] : sourceFiles(relative);
    return entry.name.endsWith(".ts") ? [relative] : [];
  });
}

function importGraph(dirs: string[]): ImportGraph {
  return new Map(
    dirs
      .flatMap(sourceFiles)
      .map((file) => [
        file,
        ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true).importedFiles.map((i) => i.fileName),
      ]),
  );
}

describe("the architecture rule", () => {
  it("holds for shared/, functions/ and local/", () => {
    expect(architectureProblems(importGraph(["shared", "functions", "local"]))).toEqual([]);
  });

  it("names a feature that imports the AWS SDK, and one that reaches into another feature", () => {
    const graph: ImportGraph = new Map([
      ["shared/webhooks/poster.ts", ["@aws-sdk/client-sqs", "../domain/webhook.ts"]],
      ["shared/deliver/deliver-message.ts", ["../render/compose.ts", "../render/index.ts", "../store/messages.ts"]],
      ["functions/queues/deliver.ts", ["@aws-sdk/client-sqs", "../../shared/wiring.ts"]],
      ["shared/store/messages.ts", ["@aws-sdk/lib-dynamodb", "../domain/message.ts"]],
    ]);
    const problems = architectureProblems(graph);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^shared\/webhooks\/poster\.ts imports @aws-sdk\/client-sqs: only the adapters/);
    expect(problems[1]).toMatch(
      /^shared\/deliver\/deliver-message\.ts imports shared\/render\/compose\.ts: a feature imports another feature only through its index\.ts/,
    );
    expect(problems[2]).toMatch(/^functions\/queues\/deliver\.ts imports @aws-sdk\/client-sqs/);
  });

  it("names a folder cycle, and a domain or adapter that imports a feature", () => {
    const graph: ImportGraph = new Map([
      ["shared/render/compose.ts", ["../links/index.ts"]],
      ["shared/links/web-version.ts", ["../render/index.ts"]],
      ["shared/domain/message.ts", ["../store/keys.ts"]],
      ["shared/store/messages.ts", ["../status/index.ts"]],
    ]);
    const problems = architectureProblems(graph);
    expect(problems).toContain("folder cycle: links -> render -> links");
    expect(problems.some((p) => p.startsWith("shared/domain/message.ts imports shared/store/keys.ts"))).toBe(true);
    expect(problems.some((p) => p.startsWith("shared/store/messages.ts imports shared/status/index.ts"))).toBe(true);
  });

  it("keeps the runtime apart from the bench", () => {
    const problems = architectureProblems(new Map([["local/platform.ts", ["../bench/usage-meter.ts"]]]));
    expect(problems).toEqual([
      "local/platform.ts imports bench/usage-meter.ts: the runtime knows nothing of the bench (bench/ hands it an instrument instead)",
    ]);
  });

  it("leaves reading the environment to shared/config.ts", () => {
    const readers = ["shared", "functions", "local", "cdk"]
      .flatMap(sourceFiles)
      .filter((file) => file !== "shared/config.ts" && /\bprocess\.env\b/.test(readFileSync(path.join(ROOT, file), "utf8")));
    expect(readers).toEqual([]);
  });
});
