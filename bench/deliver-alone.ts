// Deliver's own CPU per message, with nothing else in the process: the local platform runs here
// with its pollers off, messages are accepted over HTTP first, then their delivery jobs are
// taken from the queue and handed to the Deliver handler one at a time, and only the handler's
// time is counted (process.cpuUsage around each invocation). The stand-ins and the mailbox run in
// their own process, as in `npm run bench`; that process's CPU over the same window (dynalite
// answering Deliver, the mailbox judging and storing) is printed beside. In the bench's
// light-load window a delivery often runs beside the accept of the next request, and the
// process's CPU then counts both.
//
//   npx tsx bench/deliver-alone.ts [--messages 200] [--copies 1] [--profile]
//
// --copies n: recipients per request, so each job names n copies of one submission (at most 10).
// --profile: CPU-profile the delivery window and print where the time went.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { makeSqsClient } from "../shared/aws.ts";
import { loadConfig, loadLocalSettings, quietSdkVersionNotice } from "../shared/config.ts";
import { startPlatform } from "../local/platform.ts";
import { toSqsRecord } from "../local/pollers.ts";
import { recipients, sendRequest } from "./payloads.ts";
import { renderProfile, summarizeProfile } from "./profile-summary.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "200" },
    copies: { type: "string", default: "1" },
    profile: { type: "boolean", default: false },
  },
});
const copies = Math.min(10, Math.max(1, Number(values.copies)));
const messages = Math.max(copies, Math.round(Number(values.messages) / copies) * copies);
const WARMUP = 40;

quietSdkVersionNotice();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-deliver-alone-"));
const settings = loadLocalSettings({ ...process.env, POSTHASTE_PORTS: "auto", POSTHASTE_POLLERS: "off" });
process.env.LOG_LEVEL ??= "warn";
// The stand-ins process (dynalite, the mailbox and its DNS lookups) answers each delivery too: its CPU is counted apart.
let standInsCpu: (() => Promise<NodeJS.CpuUsage>) | undefined;
const platform = await startPlatform({
  dataDir,
  settings,
  instrument: {
    awsClient: () => undefined,
    wrap: (_entry, handler) => handler,
    measureProcess: (_name, cpuUsage) => {
      standInsCpu = cpuUsage;
    },
  },
  onFatal: (error) => {
    console.error(error.message);
    process.exit(1);
  },
});
const { info } = platform;
const sqs = makeSqsClient(loadConfig());
const queue = info.queues.deliveries;
// Imported after the platform exported the queue URLs and endpoints, as its pollers import it.
const { handler } = (await import("../functions/queues/deliver.ts")) as {
  handler: (event: SQSEvent) => Promise<{ batchItemFailures: unknown[] }>;
};

async function acceptAndTakeJobs(count: number, label: string): Promise<SQSRecord[]> {
  for (let i = 0; i < count; i += copies) {
    const response = await fetch(`${info.apiUrl}/email/messages`, {
      method: "POST",
      headers: { authorization: `Key ${info.apiKey}`, "content-type": "application/json" },
      body: sendRequest(info.senderDomain, recipients(copies, `${label}${i}-`)),
    });
    if (response.status !== 200) throw new Error(`accept answered ${response.status}: ${await response.text()}`);
  }
  const records: SQSRecord[] = [];
  while (records.length < count / copies) {
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"] }),
    );
    for (const message of received.Messages ?? []) records.push(toSqsRecord(message, queue.arn));
  }
  return records;
}

async function deliver(records: SQSRecord[]): Promise<{ cpuMs: number; wallMs: number }> {
  let cpuMs = 0;
  let wallMs = 0;
  for (const record of records) {
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    const response = await handler({ Records: [record] });
    wallMs += performance.now() - started;
    const cpu = process.cpuUsage(cpuAtStart);
    cpuMs += (cpu.user + cpu.system) / 1000;
    if (response.batchItemFailures.length > 0) throw new Error(`a job failed: ${JSON.stringify(response)}`);
  }
  return { cpuMs, wallMs };
}

try {
  await deliver(await acceptAndTakeJobs(WARMUP, "warmup"));
  const records = await acceptAndTakeJobs(messages, "measured");
  const session = new Session();
  if (values.profile) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const standInsBefore = await standInsCpu!();
  const { cpuMs, wallMs } = await deliver(records);
  const standInsAfter = await standInsCpu!();
  const standInsMs = (standInsAfter.user + standInsAfter.system - standInsBefore.user - standInsBefore.system) / 1000;
  console.log(
    `Deliver alone, ${messages} messages in jobs of ${copies} (load average ${os.loadavg()[0].toFixed(1)}): ` +
      `${(cpuMs / messages).toFixed(2)} ms CPU and ${(wallMs / messages).toFixed(1)} ms wall per message; ` +
      `the stand-ins process (dynalite, the mailbox, DNS) ${(standInsMs / messages).toFixed(2)} ms CPU per message`,
  );
  if (values.profile) {
    const { profile } = await session.post("Profiler.stop");
    const file = path.join(os.tmpdir(), `deliver-alone-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.log(`${file}\n${renderProfile(summarizeProfile(profile as never, 30))}`);
  }
} finally {
  await platform.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
