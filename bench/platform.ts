// The local platform as the bench runs it: the platform of `npm start` in a child process
// (bench/platform-entry.ts) on free ports with a fresh data directory (like
// test/support/platform.ts), its AWS calls counted and its handlers timed (bench/usage-meter.ts),
// optionally under the CPU profiler.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { withLocalHeap } from "../local/node-heap.ts";
import type { LocalInfo } from "../local/platform.ts";
import { ROOT } from "./child.ts";
import type { CallTally, InvocationTally, UsageSnapshot } from "./usage-meter.ts";

const SETTLE_MS = 1000;
// A loaded machine (other test suites on two cores) can take over a minute to start the two processes.
const START_TIMEOUT_MS = 180_000;

export interface BenchPlatform {
  info: LocalInfo;
  dataDir: string;
  /** The usage tally once requests still in flight have finished (the meter writes it every 500 ms). */
  usage(): Promise<UsageSnapshot>;
  stop(): Promise<void>;
}

/** `env`: settings of this platform only (bench/read-side.ts turns the statistics counters off). */
export async function startBenchPlatform(options: {
  pollers: boolean;
  profileDir?: string;
  env?: Record<string, string>;
}): Promise<BenchPlatform> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-bench-"));
  const usageFile = path.join(dataDir, "usage.json");
  // --cpu-prof is refused in NODE_OPTIONS, so it goes on the command line; the profile is written when the platform exits.
  const profiling = options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : [];
  // The heap cap `npm start` runs the platform with (local/node-heap.ts).
  const child = spawn(process.execPath, [...withLocalHeap(profiling), "--import", "tsx", "bench/platform-entry.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      POSTHASTE_DATA_DIR: dataDir,
      POSTHASTE_PORTS: "auto",
      POSTHASTE_BENCH_USAGE_FILE: usageFile,
      LOG_LEVEL: "warn",
      ...(options.pollers ? {} : { POSTHASTE_POLLERS: "off" }),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr!.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGINT");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };

  let info: LocalInfo | undefined;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!info) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the platform did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const written = await readFile(path.join(dataDir, "local.json"), "utf8").then(
      (t) => JSON.parse(t) as LocalInfo,
      () => undefined,
    );
    if (written?.pid === child.pid) info = written;
  }
  return {
    info,
    dataDir,
    async usage() {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const asked = Date.now();
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        // A platform that died writes no more snapshots: fail instead of waiting forever.
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the platform exited during the run:\n${output}`);
        if (Date.now() - asked > START_TIMEOUT_MS) throw new Error("the platform stopped writing usage snapshots");
        const snapshot = JSON.parse(await readFile(usageFile, "utf8")) as UsageSnapshot;
        if (snapshot.at > asked) return snapshot;
      }
    },
    stop,
  };
}

export interface Usage {
  seconds: number;
  /** CPU of the platform process (gateway, handlers, pollers, SMTP door) and of the stand-ins process. */
  cpuMs: number;
  standInsCpuMs: number;
  calls: CallTally[];
  invocations: Record<string, InvocationTally>;
}

/** What happened between two snapshots. */
export function usageBetween(before: UsageSnapshot, after: UsageSnapshot): Usage {
  const calls = Object.entries(after.calls)
    .map(([key, tally]) => {
      const earlier = before.calls[key];
      return {
        ...tally,
        requests: tally.requests - (earlier?.requests ?? 0),
        failed: tally.failed - (earlier?.failed ?? 0),
        emptyReceives: tally.emptyReceives - (earlier?.emptyReceives ?? 0),
        capacityUnits: tally.capacityUnits - (earlier?.capacityUnits ?? 0),
        gsiWriteUnits: tally.gsiWriteUnits - (earlier?.gsiWriteUnits ?? 0),
        indexWriteUnits: Object.fromEntries(
          Object.entries(tally.indexWriteUnits ?? {}).map(([index, n]) => [index, n - (earlier?.indexWriteUnits?.[index] ?? 0)]),
        ),
        totalMs: tally.totalMs - (earlier?.totalMs ?? 0),
      };
    })
    .filter((tally) => tally.requests > 0);
  const invocations: Record<string, InvocationTally> = {};
  for (const [entry, tally] of Object.entries(after.invocations)) {
    const earlier = before.invocations[entry];
    const count = tally.invocations - (earlier?.invocations ?? 0);
    if (count > 0) {
      invocations[entry] = {
        invocations: count,
        records: tally.records - (earlier?.records ?? 0),
        totalMs: tally.totalMs - (earlier?.totalMs ?? 0),
        cpuMs: (tally.cpuMs ?? 0) - (earlier?.cpuMs ?? 0),
        cpuInvocations: (tally.cpuInvocations ?? 0) - (earlier?.cpuInvocations ?? 0),
        cpuRecords: (tally.cpuRecords ?? 0) - (earlier?.cpuRecords ?? 0),
        overlappedCpuMs: (tally.overlappedCpuMs ?? 0) - (earlier?.overlappedCpuMs ?? 0),
      };
    }
  }
  return {
    seconds: (after.at - before.at) / 1000,
    cpuMs: cpuMsBetween(before.cpuMicros, after.cpuMicros),
    standInsCpuMs: cpuMsBetween(before.otherCpuMicros["stand-ins"], after.otherCpuMicros["stand-ins"]),
    calls,
    invocations,
  };
}

function cpuMsBetween(before: NodeJS.CpuUsage | undefined, after: NodeJS.CpuUsage | undefined): number {
  if (!before || !after) return 0;
  return (after.user + after.system - before.user - before.system) / 1000;
}
