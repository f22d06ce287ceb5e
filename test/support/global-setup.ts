// Starts the AWS stand-ins once for every integration test (CONTRIBUTING.md, tests), on free ports.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startStandIns } from "../../local/standins.ts";
import { clearContractCoverage, uncoveredRoutes } from "./contract-coverage.ts";

declare module "vitest" {
  export interface ProvidedContext {
    endpoints: { dynamodb: string; sqs: string; s3: string };
  }
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-standins-"));
  const standIns = await startStandIns(dataDir);
  project.provide("endpoints", standIns.endpoints);
  const checksContract = project.name === "integration";
  if (checksContract) await clearContractCoverage();
  return async () => {
    await standIns.stop();
    await rm(dataDir, { recursive: true, force: true });
    // Once the whole integration tier ran, every route of the manifest must have been checked against the document.
    if (checksContract) {
      const { testFiles } = await project.globTestFiles();
      const ran = new Set(project.vitest.state.getFiles().map((file) => file.filepath));
      if (testFiles.every((file) => ran.has(file))) {
        const missing = await uncoveredRoutes();
        if (missing.length > 0) {
          // Vitest only reports an error thrown here; the exit code must say it too.
          process.exitCode = 1;
          throw new Error(`Contract: no integration test called ${missing.join(", ")}`);
        }
      }
    }
  };
}
