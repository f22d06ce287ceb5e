// `npm run bench` end to end, on tiny counts: every benchmark runs and reports. Timings are never
// asserted (they depend on the machine); only that each figure exists and nothing was lost.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

async function runBench(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--tiny", "--out", out], { cwd: ROOT, env: process.env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  return { code, stdout, stderr };
}

describe("npm run bench, tiny", () => {
  let dir: string;
  let run: { code: number; stdout: string; stderr: string };
  let json: Record<string, any>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "posthaste-bench-test-"));
    run = await runBench(path.join(dir, "latest.json"));
    json = JSON.parse(await readFile(path.join(dir, "latest.json"), "utf8").catch(() => "{}"));
  }, 300_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("finishes and prints one table with a row for every benchmark", () => {
    expect(run.code, run.stderr).toBe(0);
    for (const figure of [
      "1. HTTP accept",
      "2. HTTP accept, batches",
      "3. Accept to delivered",
      "4. SMTP ingest",
      "5. AWS cost",
      "6. Lambda bundle",
      "7. HTTP accept with statistics counters",
    ]) {
      expect(run.stdout).toContain(figure);
    }
    expect(run.stdout).toContain("Reference (same run)");
    expect(run.stdout).toContain(json.table);
  });

  it("prints a row for each of the round's six goals, marked or said to be not measured", () => {
    const goals = json.goals as { figure: string; posthaste: string }[];
    for (const goal of ["G1.", "G2.", "G3.", "G4.", "G5.", "G6."]) {
      expect(
        goals.some((row) => row.figure.startsWith(goal)),
        goal,
      ).toBe(true);
    }
    for (const row of goals) expect(run.stdout).toContain(row.figure);
    // The soak's row shows its figure (resident memory of both processes, and what was lost).
    expect(goals.find((row) => row.figure.startsWith("G4."))?.posthaste).toMatch(/MB .*; \d+ lost/);
    expect(run.stdout).toContain("DynamoDB write units per message by step");
  });

  it("records the machine it ran on beside the figures", () => {
    expect(json.mode).toBe("tiny");
    expect(json.machine.cpus).toBeGreaterThan(0);
    expect(json.machine.cpuModel).not.toBe("");
    expect(json.machine.node).toBe(process.version);
  });

  it("measures HTTP accept against the bare server, and its AWS calls alone against the same stand-ins", () => {
    const { single, batch, awsCallsAlone } = json.results.http;
    expect(awsCallsAlone.perSecond).toBeGreaterThan(0);
    expect(awsCallsAlone.clientCpuMs).toBeGreaterThan(0);
    expect(single.cpuMsPerRequest).toBeGreaterThan(0);
    expect(single.standInsCpuMsPerRequest).toBeGreaterThan(0);
    expect(single.posthaste.ok).toBeGreaterThan(0);
    expect(single.reference.ok).toBeGreaterThan(0);
    expect(single.posthaste.failed).toBe(0);
    expect(batch.posthaste.recipientsPerSecond).toBeGreaterThan(0);
  });

  it("delivers every accepted message to the mailbox, none lost", () => {
    const { light, offered, saturation } = json.results.delivery;
    for (const run of [light, offered, saturation.posthaste]) {
      expect(run.accepted).toBeGreaterThan(0);
      expect(run.delivered).toBe(run.accepted);
      expect(run.lost).toBe(0);
    }
    expect(offered.historyLatency.count).toBeGreaterThan(0);
  });

  it("soaks HTTP and SMTP together with delivery on, samples both processes' memory, and delivers everything accepted", () => {
    const soak = json.results.soak;
    expect(soak.status, soak.error).toBe("measured");
    expect(soak.accepted.http).toBeGreaterThan(0);
    expect(soak.accepted.smtp).toBeGreaterThan(0);
    expect(soak.delivered).toBe(soak.accepted.http + soak.accepted.smtp);
    expect(soak.lost).toBe(0);
    expect(soak.samples.length).toBeGreaterThan(2);
    for (const sample of soak.samples) {
      expect(sample.platformMb).toBeGreaterThan(0);
      expect(sample.standInsMb).toBeGreaterThan(0);
    }
    expect(run.stdout).toContain("Soak: resident memory over time");
  });

  it("prices the AWS requests it counted, per service and operation", () => {
    const { single, batch } = json.results.delivery.cost;
    expect(single.requestsPerMessage["DynamoDB BatchWriteItem"]).toBeGreaterThan(0);
    expect(single.requestsPerMessage["SQS SendMessageBatch"]).toBeGreaterThan(0);
    // The bench's small bodies are kept in DynamoDB (shared/files/bodies.ts): read back, never put in S3.
    expect(single.requestsPerMessage["DynamoDB GetItem"]).toBeGreaterThan(0);
    expect(single.requestsPerMessage["S3 PutObject"]).toBeUndefined();
    expect(single.dynamoWriteUnitsPerMessage).toBeGreaterThan(0);
    expect(single.totalPerThousand).toBeGreaterThan(0);
    expect(batch.totalPerThousand).toBeGreaterThan(0);
    expect(json.prices.asOf).toMatch(/^\d{4}-\d{2}$/);
  });

  it("bundles Lambda functions and times their cold init", () => {
    const { functions, reference } = json.results.bundles;
    expect(functions.map((f: { name: string }) => f.name)).toEqual(["SendMessages", "Deliver"]);
    for (const f of functions) {
      expect(f.bytes).toBeGreaterThan(reference.bytes);
      expect(f.initMs).toBeGreaterThan(0);
    }
  });

  it("measures the read side: accept with counters on and off, a logs page and a year of statistics in bounded reads", () => {
    const { counters, logs, statistics } = json.results.reads;
    expect(counters.on.ok).toBeGreaterThan(0);
    expect(counters.off.ok).toBeGreaterThan(0);
    expect(counters.on.failed).toBe(0);
    expect(counters.on.counterRequestsPerMessage).toBeGreaterThan(0);
    expect(counters.off.counterRequestsPerMessage).toBe(0);
    expect(logs.stored).toBeGreaterThanOrEqual(json.profile.logsMessages);
    expect(logs.itemsReadPerPage).toBe(json.profile.logsPageSize);
    expect(logs.keysReadPerPage).toBeGreaterThanOrEqual(json.profile.logsPageSize);
    expect(statistics.total).toBe(logs.stored);
    expect(statistics.readsPerAnswer).toBeLessThanOrEqual(20);
  });

  it("measures SMTP ingest against the bare sink once bench/smtp-ingest.ts exists", () => {
    const expected = existsSync(path.join(ROOT, "bench/smtp-ingest.ts")) ? "measured" : "not available";
    expect(json.results.smtp.error).toBeUndefined();
    expect(json.results.smtp.status).toBe(expected);
  });
});
