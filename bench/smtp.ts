// Benchmark 4: SMTP ingest. The driving is bench/smtp-ingest.ts's, loaded when the benchmark runs
// (a tree without it still runs the others, and the table says "not available"). What it exports:
//
//   export function runSmtpIngestBench(options: SmtpBenchOptions): Promise<SmtpRunResult>  // into Posthaste
//   export function runBareSinkBench(options: SmtpBenchOptions): Promise<SmtpRunResult>    // into a bare smtp-server sink
//
// Both drive the same client (STARTTLS + AUTH, as a customer would), so their ratio is fair.
import { existsSync } from "node:fs";
import path from "node:path";
import type { LocalInfo } from "../local/platform.ts";
import { BENCH_DIR } from "./child.ts";
import { usageBetween, type BenchPlatform } from "./platform.ts";
import type { Profile } from "./profiles.ts";

export interface SmtpBenchOptions {
  /** The running platform (accept only: its pollers are off) and its data directory. */
  info: LocalInfo;
  dataDir: string;
  connections: number;
  /** Messages to send in all. */
  messages: number;
  messageBytes: number;
  /** true: `connections` connections reused for every message; false: one connection a message. */
  reuseConnections: boolean;
}

export interface SmtpRunResult {
  messagesPerSecond: number;
  sent?: number;
  failed?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** CPU per message of the server: the platform process for Posthaste, the sink process for the reference. */
  cpuMsPerMessage?: number;
  /** Posthaste only: the stand-ins' CPU and the AWS requests the SMTP door made, per message. */
  standInsCpuMsPerMessage?: number;
  awsRequestsPerMessage?: number;
  /** The load generators' CPU per message (the same client for both). */
  clientCpuMsPerMessage?: number;
}

interface SmtpBenchModule {
  runSmtpIngestBench(options: SmtpBenchOptions): Promise<SmtpRunResult>;
  runBareSinkBench(options: SmtpBenchOptions): Promise<SmtpRunResult>;
}

export type SmtpSection =
  | { status: "not available" }
  | { status: "failed"; error: string }
  | {
      status: "measured";
      runs: { label: string; reused: boolean; connections: number; posthaste: SmtpRunResult; reference: SmtpRunResult }[];
    };

const MODULE_FILE = path.join(BENCH_DIR, "smtp-ingest.ts");
const MESSAGE_BYTES = 10 * 1024;

export async function benchSmtp(platform: BenchPlatform, profile: Profile, progress: (line: string) => void): Promise<SmtpSection> {
  if (!existsSync(MODULE_FILE)) return { status: "not available" };
  try {
    const bench = (await import(MODULE_FILE)) as SmtpBenchModule;
    const connections = profile.mode === "tiny" ? 2 : 50;
    const runs: Extract<SmtpSection, { status: "measured" }>["runs"] = [];
    for (const reuse of [true, false]) {
      const options: SmtpBenchOptions = {
        info: platform.info,
        dataDir: platform.dataDir,
        connections,
        messages: reuse ? profile.smtpMessages : Math.max(connections, Math.round(profile.smtpMessages / 5)),
        messageBytes: MESSAGE_BYTES,
        reuseConnections: reuse,
      };
      // Locally the SMTP door runs in one process: the figure is one worker's, i.e. per vCPU (the
      // container runs SMTP_WORKERS of them), against a sink that is one process too.
      const label = reuse ? `${connections} reused connections, STARTTLS + AUTH, 10 KB, one worker process` : "one connection a message";
      progress(`SMTP ingest, ${label}: reference`);
      const reference = await bench.runBareSinkBench(options);
      progress(`SMTP ingest, ${label}: Posthaste`);
      const before = await platform.usage();
      const posthaste = await bench.runSmtpIngestBench(options);
      const usage = usageBetween(before, await platform.usage());
      // Every message the platform took in the window: the run's and its warm-up of one a connection.
      const received = Math.max(1, (posthaste.sent ?? 0) + (reuse ? connections : 0));
      const per = (n: number) => Number((n / received).toFixed(3));
      posthaste.cpuMsPerMessage = per(usage.cpuMs);
      posthaste.standInsCpuMsPerMessage = per(usage.standInsCpuMs);
      posthaste.awsRequestsPerMessage = per(usage.calls.reduce((n, call) => n + call.requests, 0));
      runs.push({ label, reused: reuse, connections, posthaste, reference });
    }
    return { status: "measured", runs };
  } catch (error) {
    return { status: "failed", error: String((error as Error)?.message ?? error).slice(0, 200) };
  }
}
