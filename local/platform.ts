// The whole platform on one machine: stand-ins, mailbox, gateway, pollers and the sweeper,
// running the same handlers as AWS Lambda would, from the same function manifest.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CONSUMERS, QUEUES, ROUTES, type QueueName } from "../functions/manifest.ts";
import { makeAwsClients } from "../shared/aws.ts";
import { loadConfig } from "../shared/config.ts";
import { makeDeps } from "../shared/deps.ts";
import { PERIODIC_SWEEP_BUDGET_MS, sweep } from "../shared/deliver/sweep.ts";
import { log } from "../shared/log.ts";
import { compileRoute, startGateway, type HttpLambda } from "./gateway.ts";
import { startPoller, type Poller, type SqsLambda } from "./pollers.ts";
import { ensureBucket, ensureQueues, ensureSesEventsTopic, ensureTable, localSnsClient, type LocalQueue } from "./resources.ts";
import { ensureDevAccount, type DevAccount } from "./seed.ts";
import { startStandInsProcess } from "./standins-process.ts";
import { localTlsCertificate } from "./smtp-tls.ts";
import { startSmtpIngest } from "../shared/smtp/server.ts";
import { smtpSettings } from "../shared/smtp/settings.ts";
import type { UsageMeter } from "../bench/usage-meter.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TABLE_NAME = "posthaste";
const BUCKET_NAME = "posthaste-local";

export interface LocalPorts {
  api: number;
  mailboxHttp: number;
  mailboxSmtp: number;
  dynamodb: number;
  sqs: number;
  s3: number;
  /** SMTP submission: STARTTLS (587-style) and implicit TLS (465-style). */
  smtpStarttls: number;
  smtpTls: number;
}

export const DEFAULT_PORTS: LocalPorts = {
  api: 3000,
  mailboxHttp: 8025,
  mailboxSmtp: 1025,
  dynamodb: 4567,
  sqs: 4566,
  s3: 4569,
  smtpStarttls: 2587,
  smtpTls: 2465,
};

/** The facts `npm start` prints, also written to .data/local.json for scripts and tests. */
export interface LocalInfo extends DevAccount {
  apiUrl: string;
  mailboxUrl: string;
  mailboxSmtpPort: number;
  /** SMTP submission on 127.0.0.1, with the self-signed certificate in smtpCertFile. */
  smtpStarttlsPort: number;
  smtpTlsPort: number;
  smtpCertFile: string;
  endpoints: { dynamodb: string; sqs: string; s3: string };
  tableName: string;
  bucketName: string;
  queues: Record<QueueName, LocalQueue>;
  /** SNS topic subscribed to the SES-events queue: publish SES notifications here to simulate SES. */
  sesEventsTopicArn: string;
  pid: number;
  /** The process running the stand-ins and the mailbox (local/standins-process.ts). */
  standInsPid: number;
}

export interface PlatformOptions {
  dataDir: string;
  ports: LocalPorts;
  /** Off only in tests that need accepted mail to stay unsent. */
  pollers?: boolean;
  /** Extra environment for the handlers (limits, retry timings). */
  env?: Record<string, string>;
}

export interface Platform {
  info: LocalInfo;
  stop(): Promise<void>;
}

const SWEEP_EVERY_MS = 60_000;

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

async function linkSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "link-secret");
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim()) return existing.trim();
  const secret = randomBytes(32).toString("base64url");
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

// `npm run bench` sets POSTHASTE_COUNT_AWS_REQUESTS=<file>: AWS calls are counted and handlers timed into it.
let usageMeter: UsageMeter | undefined;

async function loadHandler<T>(entry: string): Promise<T> {
  const module = (await import(pathToFileURL(path.join(ROOT, entry)).href)) as { handler: T };
  return usageMeter ? usageMeter.wrap(entry, module.handler) : module.handler;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const usageFile = process.env.POSTHASTE_COUNT_AWS_REQUESTS;
  if (usageFile) usageMeter ??= (await import("../bench/usage-meter.ts")).startUsageMeter(usageFile);
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const infoFile = path.join(dataDir, "local.json");
  const previous = await readJson<LocalInfo>(infoFile);

  // The stand-ins and the mailbox run in their own process: see local/standins-process.ts.
  const standIns = await startStandInsProcess(dataDir, options.ports);
  usageMeter?.measureProcess("stand-ins", standIns.cpuUsage);
  const { mailbox } = standIns;
  const requestBytes = Number(options.env?.LIMIT_REQUEST_BYTES ?? 10 * 1024 * 1024);
  const gateway = await startGateway({ port: options.ports.api, maxBodyBytes: requestBytes });

  const env: Record<string, string> = {
    POSTHASTE_MODE: "local",
    AWS_REGION: "us-east-1",
    TABLE_NAME,
    BUCKET_NAME,
    DYNAMODB_ENDPOINT: standIns.endpoints.dynamodb,
    SQS_ENDPOINT: standIns.endpoints.sqs,
    S3_ENDPOINT: standIns.endpoints.s3,
    PUBLIC_URL: gateway.url,
    LINK_SECRET: await linkSecret(dataDir),
    TRANSPORT: "mailbox",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(mailbox.smtpPort),
    // The SDK's Node 20 end-of-support notice is noise for a local runtime.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...options.env,
  };
  const bootConfig = loadConfig({ ...process.env, ...env, DELIVERIES_QUEUE_URL: "-" });
  const clients = makeAwsClients(bootConfig);
  await ensureTable(clients.dynamo, TABLE_NAME);
  await ensureBucket(clients.s3, BUCKET_NAME);
  const visibility = options.env?.LOCAL_VISIBILITY_TIMEOUT_SECONDS;
  const queues = await ensureQueues(clients.sqs, "posthaste", visibility ? Number(visibility) : undefined);
  for (const [name, def] of Object.entries(QUEUES)) {
    env[def.urlEnv] = queues[name as QueueName].url;
    if (def.dlqUrlEnv) env[def.dlqUrlEnv] = queues[name as QueueName].dlqUrl;
  }
  const sns = localSnsClient(standIns.endpoints.sqs);
  const sesEventsTopicArn = await ensureSesEventsTopic(sns, queues.sesEvents.arn);
  standIns.simulateSesFeedback(sesEventsTopicArn);

  // Handlers read their configuration from the environment when they are imported, as on Lambda.
  Object.assign(process.env, env);
  const config = loadConfig(process.env);
  const deps = makeDeps(config, clients);
  const account = await ensureDevAccount(deps.accounts, previous);

  const routes = await Promise.all(ROUTES.map(async (def) => compileRoute(def, await loadHandler<HttpLambda>(def.entry))));
  gateway.setRoutes(routes);

  // The SMTP door: the same server the Fargate container runs, on the same deps as the handlers.
  const tls = await localTlsCertificate(dataDir);
  const smtp = await startSmtpIngest({
    // As in the Fargate container (functions/smtp-ingest/main.ts): group commit across sessions.
    deps: makeDeps(config, clients, undefined, { coalesce: true }),
    settings: { ...smtpSettings(config, process.env), hostname: "localhost" },
    tls,
    host: "127.0.0.1",
    starttlsPort: options.ports.smtpStarttls,
    tlsPort: options.ports.smtpTls,
  });

  // Whatever the queue lost while the platform was down (fauxqs keeps it in memory) is enqueued
  // again, all of it, before the pollers start; the worker's claim skips what was already sent.
  const swept = await sweep(deps, { olderThanSeconds: 0, releaseClaims: true });
  if (swept > 0) log.info("re-enqueued messages left from the last run", { count: swept });

  const pollers: Poller[] = [];
  if (options.pollers !== false) {
    for (const consumer of CONSUMERS) {
      const handler = await loadHandler<SqsLambda>(consumer.entry);
      const queue = queues[consumer.queue];
      pollers.push(
        startPoller({
          sqs: clients.sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          handler,
          batchSize: consumer.batchSize,
          concurrency: Number(options.env?.LOCAL_POLLER_CONCURRENCY ?? 4),
          onError: (error) => log.error(`${consumer.name} poller`, { error: String(error) }),
        }),
      );
    }
  }
  const sweeper = setInterval(() => {
    sweep(deps, { olderThanSeconds: config.sweepAfterSeconds, budgetMs: PERIODIC_SWEEP_BUDGET_MS }).catch((error) => log.error("sweeper failed", { error: String(error) }));
  }, SWEEP_EVERY_MS);
  sweeper.unref();

  const info: LocalInfo = {
    apiUrl: gateway.url,
    mailboxUrl: mailbox.url,
    mailboxSmtpPort: mailbox.smtpPort,
    smtpStarttlsPort: smtp.starttlsPort,
    smtpTlsPort: smtp.tlsPort,
    smtpCertFile: tls.certFile,
    ...account,
    endpoints: standIns.endpoints,
    tableName: TABLE_NAME,
    bucketName: BUCKET_NAME,
    queues,
    sesEventsTopicArn,
    pid: process.pid,
    standInsPid: standIns.pid,
  };
  // Written aside then renamed: a script or test polling for the file never reads half of it.
  await writeFile(`${infoFile}.tmp`, JSON.stringify(info, null, 2));
  await rename(`${infoFile}.tmp`, infoFile);

  return {
    info,
    async stop() {
      // First, so sessions in flight finish while everything they need is still up.
      await smtp.close();
      clearInterval(sweeper);
      await Promise.all(pollers.map((p) => p.stop()));
      await gateway.close();
      await standIns.stop();
    },
  };
}
