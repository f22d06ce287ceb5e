// The soak (docs/performance.md, goal G4): HTTP and SMTP sends together at half the platform's
// saturation rate for a long while, pollers on so delivery runs as in production, with the
// resident memory of every platform process and of the stand-ins process sampled on the way.
// Flat memory means the end is within 20% of where it was after the first minute. Every
// accepted message is looked for in the mailbox afterwards: nothing may be lost.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { postAtFixedRate } from "./http-load.ts";
import { platformTarget } from "./http-accept.ts";
import { messageIdsOf, recipients, sendRequest } from "./payloads.ts";
import type { BenchPlatform } from "./platform.ts";
import type { Profile } from "./profiles.ts";
import type { SmtpBenchResult } from "./smtp-ingest.ts";
import { round, summarize, type LatencySummary } from "./stats.ts";
import type { UsageSnapshot } from "./usage-meter.ts";
import type { LocalInfo } from "../local/platform.ts";

/** G4's bound: the end of the soak against the sample after its first minute (shorter soaks: their first fifth). */
export const FLAT_MEMORY_TOLERANCE = 0.2;

export interface MemorySample {
  /** Seconds since the load started. */
  at: number;
  phase: "load" | "drain";
  /** Resident memory (VmRSS) of the platform process and every process it started but the stand-ins, summed. */
  platformMb: number;
  standInsMb: number;
  /** Each process apart: platform (main), its workers if any, stand-ins. */
  processes: { pid: number; name: string; rssMb: number }[];
  /** V8's view (process.memoryUsage of each, from the usage meter): heap in use, and memory outside the heap. */
  platformHeapMb?: number;
  platformExternalMb?: number;
  standInsHeapMb?: number;
  standInsExternalMb?: number;
}

export interface SoakRates {
  /** Messages a second on each door; half the saturation split evenly between them. */
  http: number;
  smtp: number;
  /** Where the rate came from: the same run's saturation figures, or a fixed rate when they were skipped. */
  basis: string;
}

export type SoakResult =
  | { status: "failed"; error: string; samples?: MemorySample[] }
  | {
      status: "measured";
      seconds: number;
      rates: SoakRates;
      accepted: { http: number; smtp: number };
      failedRequests: { http: number; smtp: number };
      delivered: number;
      lost: number;
      duplicates: number;
      drainSeconds: number;
      acceptLatency: { http: LatencySummary; smtp: LatencySummary };
      /** The sample G4 compares against (after the first minute) and the last one under load. */
      baselineAt: number;
      baseline: { platformMb: number; standInsMb: number };
      end: { platformMb: number; standInsMb: number };
      samples: MemorySample[];
      firstError?: string;
    };

/** Rates when the run measured no saturation to halve (total messages a second, both doors together). */
const FIXED_TOTAL_RATE = { full: 100, quick: 60, tiny: 10 };
const SMTP_CONNECTIONS = { full: 10, quick: 10, tiny: 2 };
const MB = 1024 * 1024;

/**
 * Half of the lowest saturation this run measured (HTTP accept, SMTP accept, accept to
 * delivered), so delivery keeps up and what grows is the platform, not a backlog.
 */
export function soakRates(
  profile: Profile,
  saturation: { http?: number; smtp?: number; delivered?: number },
  /** A total rate asked for (--soak-rate): used as it is. */
  asked?: number,
): SoakRates {
  if (asked && asked > 0) return { http: Math.ceil(asked / 2), smtp: Math.floor(asked / 2) || 1, basis: "asked with --soak-rate" };
  const measured = Object.entries(saturation).filter((e): e is [string, number] => Number.isFinite(e[1]) && (e[1] ?? 0) > 0);
  const lowest = measured.reduce<[string, number] | undefined>((low, e) => (!low || e[1] < low[1] ? e : low), undefined);
  const total = lowest ? Math.max(2, Math.floor(lowest[1] / 2)) : FIXED_TOTAL_RATE[profile.mode];
  const basis = lowest ? `half of ${lowest[0]} saturation ${Math.round(lowest[1])}/s` : "fixed (no saturation measured in this run)";
  return { http: Math.ceil(total / 2), smtp: Math.floor(total / 2) || 1, basis };
}

async function rssMb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

/** Every process `pid` started, its children's too (Linux: /proc/<pid>/task/<tid>/children). */
async function descendants(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children = (await Promise.all(tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "")))).flatMap(
    (text) => text.split(/\s+/).filter(Boolean).map(Number),
  );
  return [...children, ...(await Promise.all(children.map(descendants))).flat()];
}

const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : round(bytes / MB));

async function sampleMemory(platform: BenchPlatform, at: number, phase: MemorySample["phase"]): Promise<MemorySample> {
  // A restarted stand-ins process has a new pid: local.json says which.
  const info = await readFile(path.join(platform.dataDir, "local.json"), "utf8").then(
    (t) => JSON.parse(t) as LocalInfo,
    () => platform.info,
  );
  const usage = await readFile(path.join(platform.dataDir, "usage.json"), "utf8").then(
    (t) => JSON.parse(t) as UsageSnapshot,
    () => undefined,
  );
  const pids = [info.pid, ...(await descendants(info.pid))];
  const processes = (
    await Promise.all(
      pids.map(async (pid) => {
        const rss = await rssMb(pid);
        const name = pid === info.pid ? "platform" : pid === info.standInsPid ? "stand-ins" : "platform worker";
        return rss === undefined ? undefined : { pid, name, rssMb: round(rss) };
      }),
    )
  ).filter((p) => p !== undefined);
  const sum = (pick: (p: { name: string }) => boolean) => round(processes.filter(pick).reduce((s, p) => s + p.rssMb, 0));
  const standIns = usage?.otherMemory?.["stand-ins"];
  return {
    at: round(at),
    phase,
    platformMb: sum((p) => p.name !== "stand-ins"),
    standInsMb: sum((p) => p.name === "stand-ins"),
    processes,
    platformHeapMb: mb(usage?.memory?.heapUsed),
    platformExternalMb: mb(usage?.memory && usage.memory.external + usage.memory.arrayBuffers),
    standInsHeapMb: mb(standIns?.heapUsed),
    standInsExternalMb: mb(standIns && standIns.external + standIns.arrayBuffers),
  };
}

/** The Posthaste ids of the messages the mailbox holds, from its index files (local/mailbox.ts): counted on disk, not listed. */
async function mailboxIds(dataDir: string): Promise<string[]> {
  const dir = path.join(dataDir, "mailbox");
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".json"));
  const ids: string[] = [];
  for (let i = 0; i < files.length; i += 64) {
    const batch = await Promise.all(
      files.slice(i, i + 64).map((f) =>
        readFile(path.join(dir, f), "utf8").then(
          (t) => (JSON.parse(t) as { messageId?: string }).messageId,
          () => undefined,
        ),
      ),
    );
    for (const id of batch) if (id) ids.push(id);
  }
  return ids;
}

const storedCount = async (dataDir: string) =>
  (await readdir(path.join(dataDir, "mailbox")).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).length;

/** The SMTP door's driver (bench/smtp-ingest.ts), loaded when the soak runs, as bench/smtp.ts does. */
async function smtpAtRate(info: LocalInfo, rate: number, seconds: number, connections: number): Promise<SmtpBenchResult> {
  const { runSmtpIngestBench } = await import("./smtp-ingest.ts");
  return runSmtpIngestBench({
    info,
    connections,
    clientProcesses: 1,
    messages: Math.max(1, Math.round(rate * seconds)),
    messageBytes: 10 * 1024,
    reuseConnections: true,
    ratePerSecond: rate,
  });
}

/** Never throws: a soak that fails says why in its result, and the rest of the run goes on. */
export async function benchSoak(
  platform: BenchPlatform,
  profile: Profile,
  rates: SoakRates,
  progress: (line: string) => void,
): Promise<SoakResult> {
  const samples: MemorySample[] = [];
  let sampling: NodeJS.Timeout | undefined;
  try {
    const seconds = profile.soakSeconds;
    progress(
      `soak: ${rates.http} HTTP + ${rates.smtp} SMTP messages/s for ${seconds} s (${rates.basis}), memory every ${profile.soakSampleSeconds} s`,
    );
    const storedBefore = await storedCount(platform.dataDir);
    const started = performance.now();
    let phase: MemorySample["phase"] = "load";
    let lastPrinted = 0;
    const sample = async () => {
      const at = (performance.now() - started) / 1000;
      const s = await sampleMemory(platform, at, phase).catch(() => undefined);
      if (!s) return;
      samples.push(s);
      if (at - lastPrinted >= 60 || profile.mode !== "full") {
        lastPrinted = at;
        progress(`soak ${Math.round(at)} s (${phase}): platform ${s.platformMb} MB, stand-ins ${s.standInsMb} MB`);
      }
    };
    await sample();
    sampling = setInterval(() => void sample(), profile.soakSampleSeconds * 1000);

    const domain = platform.info.senderDomain;
    const httpCount = Math.max(1, Math.round(rates.http * seconds));
    const [http, smtp] = await Promise.all([
      postAtFixedRate(platformTarget(platform), (i) => sendRequest(domain, recipients(1, `soak${i}`)), {
        rate: rates.http,
        count: httpCount,
      }),
      smtpAtRate(platform.info, rates.smtp, seconds, SMTP_CONNECTIONS[profile.mode]),
    ]);
    const loadSeconds = (performance.now() - started) / 1000;
    await sample();
    const loadSamples = samples.length;

    const httpIds = http.flatMap((p) => messageIdsOf(p.value.body));
    const smtpIds = smtp.acceptedIds ?? [];
    const accepted = httpIds.length + smtpIds.length;
    phase = "drain";
    progress(`soak: load done after ${Math.round(loadSeconds)} s; ${accepted} accepted, waiting for delivery`);
    const drainStarted = performance.now();
    const deadline = Date.now() + profile.drainTimeoutSeconds * 1000;
    while ((await storedCount(platform.dataDir)) < storedBefore + accepted && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    clearInterval(sampling);
    sampling = undefined;
    await sample();

    const inMailbox = new Map<string, number>();
    for (const id of await mailboxIds(platform.dataDir)) inMailbox.set(id, (inMailbox.get(id) ?? 0) + 1);
    const wanted = [...httpIds, ...smtpIds];
    const delivered = wanted.filter((id) => inMailbox.has(id)).length;
    const duplicates = wanted.reduce((n, id) => n + Math.max(0, (inMailbox.get(id) ?? 0) - 1), 0);

    const underLoad = samples.slice(0, loadSamples);
    const baselineAt = Math.min(60, seconds / 5);
    const baseline = underLoad.find((s) => s.at >= baselineAt) ?? underLoad[0];
    const end = underLoad[underLoad.length - 1];
    const httpOk = http.filter((p) => p.value.status === 200);
    return {
      status: "measured",
      seconds: round(loadSeconds),
      rates,
      accepted: { http: httpIds.length, smtp: smtpIds.length },
      failedRequests: { http: http.length - httpOk.length, smtp: smtp.failed },
      delivered,
      lost: accepted - delivered,
      duplicates,
      drainSeconds: round(drainSeconds),
      acceptLatency: {
        http: summarize(httpOk.map((p) => p.latencyMs)),
        smtp: { count: smtp.sent, p50Ms: smtp.p50Ms, p99Ms: smtp.p99Ms, maxMs: NaN },
      },
      baselineAt: baseline.at,
      baseline: { platformMb: baseline.platformMb, standInsMb: baseline.standInsMb },
      end: { platformMb: end.platformMb, standInsMb: end.standInsMb },
      samples,
      ...(smtp.firstError ? { firstError: smtp.firstError } : {}),
    };
  } catch (error) {
    return { status: "failed", error: oneLine(error), samples };
  } finally {
    if (sampling) clearInterval(sampling);
  }
}

/** An error as one short line, for a table cell. */
export const oneLine = (error: unknown) =>
  String((error as Error)?.message ?? error)
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);

/** Growth of each process from the baseline to the end, as a fraction (0.1 = 10% more). */
export function soakGrowth(soak: Extract<SoakResult, { status: "measured" }>) {
  return {
    platform: soak.end.platformMb / soak.baseline.platformMb - 1,
    standIns: soak.end.standInsMb / soak.baseline.standInsMb - 1,
  };
}

/** The curve as a small table: one row a minute (every sample in short runs), and the end of the drain. */
export function renderSoak(soak: SoakResult | undefined): string {
  if (!soak) return "";
  if (soak.status === "failed") return `Soak failed: ${soak.error}`;
  const step = soak.seconds >= 300 ? 60 : soak.seconds >= 30 ? 10 : 0;
  const picked: MemorySample[] = [];
  for (const s of soak.samples) {
    const last = picked[picked.length - 1];
    if (!last || s.phase !== last.phase || s.at - last.at >= step - 0.5 || s === soak.samples[soak.samples.length - 1]) picked.push(s);
  }
  const fmt = (n: number | undefined) => (n === undefined ? "" : n.toFixed(0));
  const header = ["Minute", "Phase", "Platform MB (RSS)", "Stand-ins MB (RSS)", "Platform heap MB", "Stand-ins heap MB"];
  const rows = picked.map((s) => [
    (s.at / 60).toFixed(1),
    s.phase,
    fmt(s.platformMb),
    fmt(s.standInsMb),
    fmt(s.platformHeapMb),
    fmt(s.standInsHeapMb),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  const growth = soakGrowth(soak);
  const pct = (n: number) => `${n >= 0 ? "+" : ""}${(n * 100).toFixed(0)}%`;
  return [
    `${soak.rates.http} HTTP + ${soak.rates.smtp} SMTP messages/s for ${Math.round(soak.seconds)} s (${soak.rates.basis}); ` +
      `accepted ${soak.accepted.http + soak.accepted.smtp}, delivered ${soak.delivered}, lost ${soak.lost}, failed requests ${soak.failedRequests.http + soak.failedRequests.smtp}, drained in ${Math.round(soak.drainSeconds)} s`,
    `From minute ${(soak.baselineAt / 60).toFixed(1)} to the end of the load: platform ${soak.baseline.platformMb} -> ${soak.end.platformMb} MB (${pct(growth.platform)}), stand-ins ${soak.baseline.standInsMb} -> ${soak.end.standInsMb} MB (${pct(growth.standIns)})`,
    "",
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}
