// Which manifest routes the contract check saw during a run (test/support/contract.ts writes them down).
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { ROUTES } from "../../functions/manifest.ts";
import { operationsOf } from "../../shared/openapi/index.ts";
import { CONTRACT_DIR } from "./contract.ts";

export const clearContractCoverage = () => rm(CONTRACT_DIR, { recursive: true, force: true });

export async function uncoveredRoutes(): Promise<string[]> {
  const files = await readdir(CONTRACT_DIR).catch(() => [] as string[]);
  const covered = new Set<string>();
  for (const file of files) for (const id of (await readFile(path.join(CONTRACT_DIR, file), "utf8")).split("\n")) covered.add(id);
  // A route's `also` pairs are operations of their own, each to be reached.
  return operationsOf(ROUTES)
    .filter((route) => !covered.has(route.name))
    .map((route) => `${route.name} (${route.method} ${route.path})`);
}
