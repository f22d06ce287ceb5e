// Benchmarks 1 and 2: HTTP accept of one recipient a request (saturated, then at a fixed rate)
// and of batches, each beside the bare HTTP server measured the same way in the same run. The
// platform's pollers are off, so nothing but accepting runs.
import { spawn } from "node:child_process";
import path from "node:path";
import { BENCH_DIR, ROOT } from "./child.ts";
import { ACCEPT_SCOPES, costOf, durationsOf, type Cost, type Durations } from "./cost.ts";
import { jsonPoster, postAtFixedRate, saturate, type SaturationResult, type Target } from "./http-load.ts";
import { recipients, sendRequest } from "./payloads.ts";
import { usageBetween, type BenchPlatform, type Usage } from "./platform.ts";
import { monotonicUs, type ClockWindow, type CpuShares } from "./profile-summary.ts";
import type { Profile } from "./profiles.ts";
import { summarize, type LatencySummary } from "./stats.ts";

export interface FixedRateResult extends LatencySummary {
  rate: number;
  ok: number;
  failed: number;
}

export interface HttpAcceptResult {
  single: {
    connections: number;
    posthaste: SaturationResult;
    reference: SaturationResult;
    cost: Cost;
    cpuMsPerRequest: number;
    standInsCpuMsPerRequest: number;
    /** When the saturated run of Posthaste ran, to cut the CPU profiles to it (bench/profile-summary.ts). */
    window: ClockWindow;
    /** Who used the CPU in that window, when the bench ran with --profile (filled in by bench/run.ts). */
    cpuShares?: CpuShares;
  };
  /** The AWS calls of one accept made alone (bench/reference/aws-calls.ts), against the same stand-ins. */
  awsCallsAlone: AwsCallsAlone;
  fixedRate: { posthaste: FixedRateResult; reference: FixedRateResult };
  batch: {
    recipients: number;
    connections: number;
    posthaste: SaturationResult & { recipientsPerSecond: number };
    reference: SaturationResult & { recipientsPerSecond: number };
    cost: Cost;
  };
  /** Handler times with one request in flight: what a Lambda invocation would take. */
  calibration: { single: Durations; batch: Durations };
}

const CALIBRATION_REQUESTS = { full: 30, quick: 15, tiny: 3 };

export interface AwsCallsAlone {
  perSecond: number;
  /** CPU of the process making the calls (the SDK clients), and of the stand-ins answering them, per accept. */
  clientCpuMs: number;
  standInsCpuMs: number;
}

async function awsCallsAlone(platform: BenchPlatform, profile: Profile): Promise<AwsCallsAlone> {
  const before = await platform.usage();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "reference/aws-calls.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      DYNAMODB_ENDPOINT: platform.info.endpoints.dynamodb,
      SQS_ENDPOINT: platform.info.endpoints.sqs,
      TABLE_NAME: platform.info.tableName,
      SECONDS: String(profile.acceptSeconds),
      CONNECTIONS: String(profile.connections),
      ...(profile.acceptAmount ? { AMOUNT: String(profile.acceptAmount) } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const line = output.split("\n").find((l) => l.startsWith('{"perSecond"'));
  if (code !== 0 || !line) throw new Error(`bench/reference/aws-calls.ts failed (${code}):\n${output}`);
  const result = JSON.parse(line) as { perSecond: number; clientCpuMs: number; count: number };
  const usage = usageBetween(before, await platform.usage());
  return { perSecond: result.perSecond, clientCpuMs: result.clientCpuMs, standInsCpuMs: usage.standInsCpuMs / Math.max(1, result.count) };
}

export function platformTarget(platform: BenchPlatform): Target {
  return { url: `${platform.info.apiUrl}/email/messages`, headers: { authorization: `Key ${platform.info.apiKey}` } };
}

async function atFixedRate(target: Target, body: string, profile: Profile): Promise<FixedRateResult> {
  const responses = await postAtFixedRate(target, () => body, {
    rate: profile.fixedRate,
    count: profile.fixedRate * profile.fixedRateSeconds,
  });
  const ok = responses.filter((r) => r.value.status === 200);
  return { rate: profile.fixedRate, ok: ok.length, failed: responses.length - ok.length, ...summarize(ok.map((r) => r.latencyMs)) };
}

/** Sends the body `count` times, one at a time, and returns the handler's durations meanwhile. */
async function oneAtATime(platform: BenchPlatform, body: string, count: number): Promise<Durations> {
  const client = jsonPoster(platformTarget(platform), 1);
  const before = await platform.usage();
  for (let i = 0; i < count; i++) await client.post(body);
  client.close();
  return durationsOf(usageBetween(before, await platform.usage()));
}

/** Requests still in flight when the load stops are accepted too: count what the handler saw. */
const handled = (usage: Usage) => ACCEPT_SCOPES.reduce((sum, entry) => sum + (usage.invocations[entry]?.invocations ?? 0), 0);

export async function benchHttpAccept(
  platform: BenchPlatform,
  reference: Target,
  profile: Profile,
  progress: (line: string) => void,
): Promise<HttpAcceptResult> {
  const target = platformTarget(platform);
  const single = sendRequest(platform.info.senderDomain, recipients(1));
  const batch = sendRequest(platform.info.senderDomain, recipients(profile.batchRecipients));
  const load = { connections: profile.connections, seconds: profile.acceptSeconds, amount: profile.acceptAmount };
  const batchLoad = { connections: profile.batchConnections, seconds: profile.acceptSeconds, amount: profile.batchAmount };

  if (profile.warmupSeconds > 0) {
    progress("warming up");
    await saturate(target, single, { connections: 10, seconds: profile.warmupSeconds });
    await saturate(reference, single, { connections: 10, seconds: profile.warmupSeconds });
  }

  progress("HTTP accept, one request at a time (handler durations for the cost)");
  const calibration = {
    single: await oneAtATime(platform, single, CALIBRATION_REQUESTS[profile.mode]),
    batch: await oneAtATime(platform, batch, profile.calibrationBatches),
  };

  progress(`HTTP accept, 1 recipient, ${profile.connections} connections: reference`);
  const singleReference = await saturate(reference, single, load);
  progress(`HTTP accept, 1 recipient, ${profile.connections} connections: Posthaste`);
  const before = await platform.usage();
  const startUs = monotonicUs();
  const singlePosthaste = await saturate(target, single, load);
  const window = { startUs, endUs: monotonicUs() };
  const singleUsage = usageBetween(before, await platform.usage());

  progress("the AWS calls of one accept, alone (SDK clients and stand-ins, no Posthaste code)");
  const alone = await awsCallsAlone(platform, profile);

  progress(`HTTP accept at ${profile.fixedRate} requests/s: reference, then Posthaste`);
  const fixedReference = await atFixedRate(reference, single, profile);
  const fixedPosthaste = await atFixedRate(target, single, profile);

  progress(`HTTP accept, batches of ${profile.batchRecipients}, ${profile.batchConnections} connections: reference, then Posthaste`);
  const batchReference = await saturate(reference, batch, batchLoad);
  const beforeBatch = await platform.usage();
  const batchPosthaste = await saturate(target, batch, batchLoad);
  const batchUsage = usageBetween(beforeBatch, await platform.usage());

  const perRecipient = (r: SaturationResult) => ({ ...r, recipientsPerSecond: Math.round(r.requestsPerSecond * profile.batchRecipients) });
  const singleRequests = handled(singleUsage);
  const batchRequests = handled(batchUsage);
  return {
    single: {
      connections: profile.connections,
      posthaste: singlePosthaste,
      reference: singleReference,
      cost: costOf(singleUsage, {
        messages: singleRequests,
        scopes: ACCEPT_SCOPES,
        httpRequests: singleRequests,
        httpRequestBytes: Buffer.byteLength(single),
        durations: calibration.single,
      }),
      cpuMsPerRequest: singleUsage.cpuMs / Math.max(1, singleRequests),
      standInsCpuMsPerRequest: singleUsage.standInsCpuMs / Math.max(1, singleRequests),
      window,
    },
    awsCallsAlone: alone,
    fixedRate: { posthaste: fixedPosthaste, reference: fixedReference },
    batch: {
      recipients: profile.batchRecipients,
      connections: profile.batchConnections,
      posthaste: perRecipient(batchPosthaste),
      reference: perRecipient(batchReference),
      cost: costOf(batchUsage, {
        messages: batchRequests * profile.batchRecipients,
        scopes: ACCEPT_SCOPES,
        httpRequests: batchRequests,
        httpRequestBytes: Buffer.byteLength(batch),
        durations: calibration.batch,
      }),
    },
    calibration,
  };
}
