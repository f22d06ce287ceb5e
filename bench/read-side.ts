// Benchmark 7: the read side. What the statistics counters cost the accept rate (the same
// saturated single-recipient run on a platform with counters on and one with them off), then,
// with many messages stored for one account, a page of logs (latency over HTTP, and index
// entries and messages read per page) and a year of statistics (latency, and DynamoDB requests
// per answer). The reads are made twice: over HTTP for the latency a caller sees, and in this
// process with the same code on the same stand-ins for what each one read.
import { makeAwsClients } from "../shared/aws.ts";
import { parseLogsQuery, readLogs } from "../shared/logs/logs.ts";
import { getStatistics } from "../shared/statistics/index.ts";
import { makeCounterStore } from "../shared/store/counters.ts";
import { makeMessageLogStore } from "../shared/store/message-log.ts";
import { ACCEPT_SCOPES, costOf } from "./cost.ts";
import { platformTarget } from "./http-accept.ts";
import { saturate, type SaturationResult } from "./http-load.ts";
import { recipients, sendRequest } from "./payloads.ts";
import { startBenchPlatform, usageBetween, type BenchPlatform } from "./platform.ts";
import type { Profile } from "./profiles.ts";
import { summarize, type LatencySummary } from "./stats.ts";

export interface ReadSideResult {
  counters: {
    on: AcceptRun;
    off: AcceptRun;
  };
  logs: LatencySummary & { stored: number; pageSize: number; keysReadPerPage: number; itemsReadPerPage: number; maxKeysRead: number };
  statistics: LatencySummary & { readsPerAnswer: number; total: number };
}

/** A saturated accept run; `accepted`: every message the platform accepted, warm-up included. */
type AcceptRun = SaturationResult & {
  writeUnitsPerMessage: number;
  /** Of those, the statistics counters' (UpdateItem on an hour item, PutItem of a day's mark). */
  counterWriteUnitsPerMessage: number;
  counterRequestsPerMessage: number;
  accepted: number;
};

const BATCH = 1000;

async function acceptRun(platform: BenchPlatform, profile: Profile): Promise<AcceptRun> {
  const target = platformTarget(platform);
  const single = sendRequest(platform.info.senderDomain, recipients(1));
  const warmup =
    profile.warmupSeconds > 0 ? await saturate(target, single, { connections: 10, seconds: profile.warmupSeconds }) : undefined;
  const before = await platform.usage();
  const run = await saturate(target, single, {
    connections: profile.connections,
    seconds: profile.acceptSeconds,
    amount: profile.acceptAmount,
  });
  const usage = usageBetween(before, await platform.usage());
  // Every scope: with the pollers off, all the platform does is accept (and count).
  const scopes = [...new Set(usage.calls.map((c) => c.scope))];
  const cost = costOf(usage, { messages: Math.max(1, run.ok), scopes, httpRequests: run.ok, httpRequestBytes: Buffer.byteLength(single) });
  // The accept's own counter writes; the platform's hourly rollup (outside any handler) is not the accept's cost.
  const counterCalls = usage.calls.filter((c) => c.statisticsCounters && ACCEPT_SCOPES.includes(c.scope));
  const per = (n: number) => n / Math.max(1, run.ok);
  return {
    ...run,
    writeUnitsPerMessage: cost.dynamoWriteUnitsPerMessage,
    counterWriteUnitsPerMessage: per(counterCalls.reduce((sum, c) => sum + c.capacityUnits, 0)),
    counterRequestsPerMessage: per(counterCalls.reduce((sum, c) => sum + c.requests, 0)),
    accepted: (warmup?.ok ?? 0) + run.ok,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

async function get(platform: BenchPlatform, pathname: string) {
  const response = await fetch(`${platform.info.apiUrl}${pathname}`, { headers: { authorization: `Key ${platform.info.apiKey}` } });
  const json = (await response.json()) as Record<string, any>;
  if (response.status !== 200) throw new Error(`GET ${pathname}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export async function benchReadSide(profile: Profile, progress: (line: string) => void): Promise<ReadSideResult> {
  progress("counters off: HTTP accept, 1 recipient (pollers off)");
  const offPlatform = await startBenchPlatform({ pollers: false, env: { STATISTICS_COUNTERS: "off" } });
  const off = await acceptRun(offPlatform, profile).finally(() => offPlatform.stop());

  progress("counters on: HTTP accept, 1 recipient (pollers off)");
  const platform = await startBenchPlatform({ pollers: false });
  try {
    const on = await acceptRun(platform, profile);

    progress(`storing ${profile.logsMessages.toLocaleString("en-US")} messages for one account`);
    const target = platformTarget(platform);
    const batchSize = Math.min(BATCH, profile.logsMessages);
    const batch = sendRequest(platform.info.senderDomain, recipients(batchSize, "logs"));
    const batches = Math.max(0, Math.ceil((profile.logsMessages - on.accepted) / batchSize));
    if (batches > 0) await saturate(target, batch, { connections: Math.min(2, batches), amount: batches });

    const { ddb } = makeAwsClients({ mode: "local", region: "us-east-1", endpoints: platform.info.endpoints });
    const caller = { accountId: platform.info.accountId };
    const logDeps = { log: makeMessageLogStore(ddb, platform.info.tableName), retentionHours: 48, cursorSecret: "bench" };
    const counters = makeCounterStore(ddb, platform.info.tableName);

    progress(`logs: ${profile.logsPages} pages of ${profile.logsPageSize}, over HTTP and in process`);
    const latencies: number[] = [];
    const keysRead: number[] = [];
    const itemsRead: number[] = [];
    let cursor: string | undefined;
    let below: string | undefined;
    for (let i = 0; i < profile.logsPages; i++) {
      const page = await timed(() =>
        get(platform, `/email/logs?limit=${profile.logsPageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
      );
      latencies.push(page.ms);
      cursor = page.value.Cursor;
      const read = await readLogs(logDeps, caller, { ...parseLogsQuery({ limit: String(profile.logsPageSize) }, caller, "bench"), below });
      keysRead.push(read.keysRead);
      itemsRead.push(read.itemsRead);
      below = read.next;
      if (!cursor || !below) break;
    }

    progress(`statistics for a year: ${profile.statisticsAnswers} answers`);
    const statLatencies: number[] = [];
    let total = 0;
    for (let i = 0; i < profile.statisticsAnswers; i++) {
      const answer = await timed(() => get(platform, "/email/statistics?period=year"));
      statLatencies.push(answer.ms);
      total = answer.value.Result.Rows.find((r: { Row: string }) => r.Row === "Total").Count;
    }
    const inProcess = await getStatistics(counters, caller, { period: "year" });
    ddb.destroy();

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    return {
      counters: { on, off },
      logs: {
        ...summarize(latencies),
        stored: on.accepted + batches * batchSize,
        pageSize: profile.logsPageSize,
        keysReadPerPage: Math.round(mean(keysRead)),
        itemsReadPerPage: Math.round(mean(itemsRead)),
        maxKeysRead: Math.max(...keysRead),
      },
      statistics: { ...summarize(statLatencies), readsPerAnswer: inProcess.reads, total },
    };
  } finally {
    await platform.stop();
  }
}
