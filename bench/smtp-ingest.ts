// SMTP ingest benchmark (docs/performance.md): messages a second through Posthaste's SMTP door (STARTTLS +
// AUTH, then the full accept path), beside a bare smtp-server sink driven by the same client.
//
// The load comes from nodemailer in separate client processes (this file, forked with
// SMTP_BENCH_ROLE=client), so neither server shares the generator's event loop and one client's
// ceiling (about 2,000 messages a second on two cores) is not the measurement. The sink also
// runs in its own process (SMTP_BENCH_ROLE=sink), as the platform does.
//
// bench/run.ts calls runSmtpIngestBench and runBareSinkBench. Run alone against `npm start`:
//   npx tsx bench/smtp-ingest.ts [--connections 50] [--messages 5000] [--bytes 10240] [--per-message]
import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const THIS_FILE = fileURLToPath(import.meta.url);

export interface SmtpTarget {
  smtpStarttlsPort: number;
  accountId: string;
  apiKey: string;
  senderDomain: string;
  host?: string;
}

export interface SmtpIngestBenchOptions {
  /** The platform to load (bench/run.ts passes its LocalInfo as `info`). */
  platform?: SmtpTarget;
  info?: SmtpTarget;
  connections: number;
  /** Messages in all, besides a warm-up of one a connection when connections are reused. */
  messages: number;
  messageBytes: number;
  /** true: every connection sends many messages; false: a new connection (STARTTLS + AUTH) for each. */
  reuseConnections: boolean;
  /** Load generator processes (default: 2, or 1 for fewer than 4 connections). */
  clientProcesses?: number;
  /**
   * Messages a second in all, started on a fixed schedule whatever the answers do (the soak,
   * bench/soak.ts), instead of as fast as the connections allow; no warm-up messages then.
   */
  ratePerSecond?: number;
}

export interface SmtpBenchResult {
  messagesPerSecond: number;
  sent: number;
  failed: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  connections: number;
  clientProcesses: number;
  reuseConnections: boolean;
  messageBytes: number;
  /** The first failure's text, when there were failures. */
  firstError?: string;
  /** Posthaste's ids from the 250 replies ("queued as <id>"), when sent at a fixed rate. */
  acceptedIds?: string[];
  /** The bare sink's CPU per message (its warm-up messages counted too); Posthaste's is measured by bench/smtp.ts. */
  cpuMsPerMessage?: number;
  /** The load generators' CPU per message, from "go" to the last "done". */
  clientCpuMsPerMessage?: number;
}

interface ClientJob {
  host: string;
  port: number;
  user: string;
  pass: string;
  from: string;
  connections: number;
  messages: number;
  messageBytes: number;
  reuse: boolean;
  /** This process's share of ratePerSecond. */
  rate?: number;
}

type ClientMessage =
  | { type: "ready" }
  | { type: "done"; sent: number; failed: number; latencies: number[]; firstError?: string; cpuMs: number; acceptedIds?: string[] };

/** What the sink process says: its port once listening, and its CPU time when asked. */
type SinkMessage = { type: "listening"; port: number } | { type: "cpu"; cpuMs: number; acceptedIds?: string[] };

const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** A plain-text body of about `bytes` bytes (headers included), in 76-character lines. */
export function benchBody(bytes: number): string {
  const line = "Posthaste SMTP ingest benchmark filler text, ten kilobytes of it, line by ".padEnd(76, ".");
  const lines = Math.max(1, Math.round((bytes - 400) / (line.length + 2)));
  return Array.from({ length: lines }, () => line).join("\r\n");
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : 0;

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

function forkRole(role: "client" | "sink"): ChildProcess {
  return fork(THIS_FILE, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, SMTP_BENCH_ROLE: role, LOG_LEVEL: "silent", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

const nextMessage = <T extends { type: string }>(child: ChildProcess, type: T["type"]) =>
  new Promise<T>((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      resolve(message);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`bench ${type} process exited with ${code}`)));
  });

/** Drives `target` from client processes: all warm up, then start together; the clock runs from "go" to the last "done". */
async function drive(
  target: { host: string; port: number; user: string; pass: string; from: string },
  options: SmtpIngestBenchOptions,
): Promise<SmtpBenchResult> {
  const processes = Math.max(1, Math.min(options.clientProcesses ?? (options.connections < 4 ? 1 : 2), options.connections));
  const connections = split(options.connections, processes);
  const messages = split(options.messages, processes);
  const children = connections.map(() => forkRole("client"));
  try {
    const ready = children.map((child) => nextMessage<{ type: "ready" }>(child, "ready"));
    for (const [i, child] of children.entries()) {
      child.send({
        ...target,
        connections: connections[i],
        messages: messages[i],
        messageBytes: options.messageBytes,
        reuse: options.reuseConnections,
        ...(options.ratePerSecond ? { rate: (options.ratePerSecond * messages[i]) / options.messages } : {}),
      } satisfies ClientJob);
    }
    await Promise.all(ready);
    const done = children.map((child) => nextMessage<Extract<ClientMessage, { type: "done" }>>(child, "done"));
    const started = performance.now();
    for (const child of children) child.send("go");
    const reports = await Promise.all(done);
    const seconds = (performance.now() - started) / 1000;

    const sent = reports.reduce((n, r) => n + r.sent, 0);
    const failed = reports.reduce((n, r) => n + r.failed, 0);
    const clientCpuMs = reports.reduce((n, r) => n + r.cpuMs, 0);
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    return {
      messagesPerSecond: Math.round(sent / seconds),
      sent,
      failed,
      seconds: Number(seconds.toFixed(2)),
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
      connections: options.connections,
      clientProcesses: processes,
      reuseConnections: options.reuseConnections,
      messageBytes: options.messageBytes,
      clientCpuMsPerMessage: Number((clientCpuMs / Math.max(1, sent)).toFixed(3)),
      ...(failed ? { firstError: reports.find((r) => r.firstError)?.firstError } : {}),
      ...(options.ratePerSecond ? { acceptedIds: reports.flatMap((r) => r.acceptedIds ?? []) } : {}),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

/** Posthaste's SMTP door: STARTTLS, AUTH with the account id and API key, the full accept path. */
export async function runSmtpIngestBench(options: SmtpIngestBenchOptions): Promise<SmtpBenchResult> {
  const target = options.platform ?? options.info;
  if (!target) throw new Error("runSmtpIngestBench needs the platform (smtpStarttlsPort, accountId, apiKey, senderDomain)");
  return drive(
    {
      host: target.host ?? "127.0.0.1",
      port: target.smtpStarttlsPort,
      user: target.accountId,
      pass: target.apiKey,
      from: `bench@${target.senderDomain}`,
    },
    options,
  );
}

/** The reference: a bare smtp-server (library defaults) with STARTTLS and AUTH that reads each message and answers 250. */
export async function runBareSinkBench(options: Omit<SmtpIngestBenchOptions, "platform" | "info">): Promise<SmtpBenchResult> {
  const sink = forkRole("sink");
  const sinkCpuMs = async () => {
    const answer = nextMessage<Extract<SinkMessage, { type: "cpu" }>>(sink, "cpu");
    sink.send("cpu");
    return (await answer).cpuMs;
  };
  try {
    const { port } = await nextMessage<Extract<SinkMessage, { type: "listening" }>>(sink, "listening");
    const before = await sinkCpuMs();
    const result = await drive({ host: "127.0.0.1", port, user: "bench", pass: "bench", from: "bench@sink.test" }, options);
    // Its CPU from listening to the end, over every message it took (the warm-up's one a connection too).
    const received = result.sent + (options.reuseConnections ? options.connections : 0);
    const cpuMs = (await sinkCpuMs()) - before;
    return { ...result, cpuMsPerMessage: Number((cpuMs / Math.max(1, received)).toFixed(3)) };
  } finally {
    sink.kill();
  }
}

// ---- the child processes ----

async function clientRole() {
  const { default: nodemailer } = await import("nodemailer");
  const job = await new Promise<ClientJob>((resolve) => process.once("message", (m) => resolve(m as ClientJob)));
  const base = {
    host: job.host,
    port: job.port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: job.user, pass: job.pass },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  };
  const transport = job.reuse
    ? nodemailer.createTransport({ ...base, pool: true, maxConnections: job.connections, maxMessages: Infinity })
    : nodemailer.createTransport(base);
  const text = benchBody(job.messageBytes);
  const message = (n: number) => ({ from: job.from, to: `bench-${n % 100}@bench.example`, subject: `Bench ${n}`, text });

  // open every connection
  if (job.reuse && !job.rate) await Promise.allSettled(Array.from({ length: job.connections }, (_, i) => transport.sendMail(message(i))));
  process.send!({ type: "ready" } satisfies ClientMessage);
  await new Promise((resolve) => process.once("message", resolve));
  const cpuAtGo = process.cpuUsage();
  if (job.rate) return pacedClient(job, transport, message, cpuAtGo);

  // A pooled transport gets two messages a connection in flight, so no connection waits between them.
  const inFlight = job.reuse ? job.connections * 2 : job.connections;
  let next = 0;
  let sent = 0;
  let failed = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < job.messages) {
        const n = next++;
        const started = performance.now();
        try {
          await transport.sendMail(message(n));
          sent++;
          latencies.push(performance.now() - started);
        } catch (error) {
          failed++;
          firstError ??= String((error as Error).message ?? error).slice(0, 200);
        }
      }
    }),
  );
  transport.close();
  const cpuMs = cpuMsOf(process.cpuUsage(cpuAtGo));
  process.send!({ type: "done", sent, failed, latencies, firstError, cpuMs } satisfies ClientMessage, () => process.exit(0));
}

/** One message every 1/rate seconds, each timed from when it was due (a slow server cannot hide its queue). */
async function pacedClient(
  job: ClientJob,
  transport: import("nodemailer").Transporter,
  message: (n: number) => import("nodemailer").SendMailOptions,
  cpuAtGo: NodeJS.CpuUsage,
) {
  const interval = 1000 / job.rate!;
  const start = performance.now();
  let sent = 0;
  let failed = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const acceptedIds: string[] = [];
  const sending: Promise<void>[] = [];
  for (let n = 0; n < job.messages; n++) {
    const due = start + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sending.push(
      transport.sendMail(message(n)).then(
        (info: { response?: string }) => {
          sent++;
          latencies.push(performance.now() - due);
          const id = /queued as (\S+)/.exec(info.response ?? "")?.[1];
          if (id) acceptedIds.push(id);
        },
        (error: Error) => {
          failed++;
          firstError ??= String(error?.message ?? error).slice(0, 200);
        },
      ),
    );
  }
  await Promise.all(sending);
  transport.close();
  const cpuMs = cpuMsOf(process.cpuUsage(cpuAtGo));
  process.send!({ type: "done", sent, failed, latencies, firstError, acceptedIds, cpuMs } satisfies ClientMessage, () => process.exit(0));
}

async function sinkRole() {
  const { SMTPServer } = await import("smtp-server");
  const { localTlsCertificate } = await import("../local/smtp-tls.ts");
  const dir = await mkdtemp(path.join(os.tmpdir(), "posthaste-bench-sink-"));
  const tls = await localTlsCertificate(dir);
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    minVersion: "TLSv1.2",
    authMethods: ["PLAIN", "LOGIN"],
    size: 10 * 1024 * 1024,
    // Without this every connection waits for a reverse DNS answer for 127.0.0.1.
    disableReverseLookup: true,
    logger: false,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onData(stream, _session, callback) {
      stream.on("data", () => undefined);
      stream.on("end", () => callback(null, "Ok: queued"));
    },
  });
  server.on("error", () => undefined);
  server.listen(0, "127.0.0.1", () =>
    process.send!({ type: "listening", port: (server.server.address() as AddressInfo).port } satisfies SinkMessage),
  );
  process.on("message", (m) => {
    if (m === "cpu") process.send!({ type: "cpu", cpuMs: cpuMsOf(process.cpuUsage()) } satisfies SinkMessage);
  });
  process.on("SIGTERM", () => server.close(() => rm(dir, { recursive: true, force: true }).finally(() => process.exit(0))));
}

// ---- run alone against `npm start` ----

async function cli() {
  const { values } = parseArgs({
    options: {
      connections: { type: "string", default: "50" },
      messages: { type: "string", default: "5000" },
      bytes: { type: "string", default: String(10 * 1024) },
      "per-message": { type: "boolean", default: false },
      processes: { type: "string" },
    },
  });
  const dataDir = process.env.POSTHASTE_DATA_DIR ?? path.resolve(path.dirname(THIS_FILE), "../.data");
  const info = JSON.parse(await readFile(path.join(dataDir, "local.json"), "utf8")) as SmtpTarget;
  const options: SmtpIngestBenchOptions = {
    info,
    connections: Number(values.connections),
    messages: Number(values.messages),
    messageBytes: Number(values.bytes),
    reuseConnections: !values["per-message"],
    clientProcesses: values.processes ? Number(values.processes) : undefined,
  };
  const sink = await runBareSinkBench(options);
  const posthaste = await runSmtpIngestBench(options);
  console.log(JSON.stringify({ options: { ...options, info: undefined }, sink, posthaste }, null, 2));
}

const role = process.env.SMTP_BENCH_ROLE;
if (role === "client") await clientRole();
else if (role === "sink") await sinkRole();
else if (process.argv[1] && path.resolve(process.argv[1]) === THIS_FILE) await cli();
