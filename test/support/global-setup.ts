// Starts the AWS stand-ins once for every integration test (CONTRIBUTING.md, tests), on free ports.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startStandIns } from "../../local/standins.ts";

declare module "vitest" {
  export interface ProvidedContext {
    endpoints: { dynamodb: string; sqs: string; s3: string };
  }
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-standins-"));
  const standIns = await startStandIns(dataDir);
  project.provide("endpoints", standIns.endpoints);
  return async () => {
    await standIns.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
