// The whole platform on one machine: stand-ins, mailbox, gateway, pollers and the sweeper,
// running the same handlers as AWS Lambda would, from the same function manifest.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CONSUMERS, QUEUES, ROUTES, SCHEDULES, type QueueName } from "../functions/manifest.ts";
import { instrumentClients, makeAwsClients, type ClientInstrument } from "../shared/aws.ts";
import { exportToHandlers, loadConfig, type LocalSettings } from "../shared/config.ts";
import { accountStore, counterStore, deliveryQueue, messageStore, smtpDeps, webhookRecordDeps, wiring } from "../shared/wiring.ts";
import { rollUpStatistics } from "../shared/statistics/index.ts";
import { PERIODIC_SWEEP_BUDGET_MS, queueScheduled, sweep } from "../shared/deliver/sweep.ts";
import { SQS_MAX_DELAY_SECONDS } from "../shared/queue/sqs.ts";
import { log } from "../shared/log.ts";
import { sweepWebhookOutbox, webhookSweepAfterSeconds } from "../shared/webhooks/sweep.ts";
import { compileRoute, startGateway, type HttpLambda } from "./gateway.ts";
import { startPoller, type Poller, type SqsLambda } from "./pollers.ts";
import { ensureBucket, ensureQueues, ensureSesEventsTopic, ensureTable, localSnsClient, type LocalQueue } from "./resources.ts";
import { ensureDevAccount, ensureDevDomain, type DevAccount } from "./seed.ts";
import { domainDeps } from "../shared/wiring-domains.ts";
import { startStandInsProcess } from "./standins-process.ts";
import { superviseStandIns, type StandInsSupervisor } from "./standins-supervisor.ts";
import { localTlsCertificate } from "./smtp-tls.ts";
import { startSmtpIngest } from "../shared/smtp/server.ts";
import { smtpSettings } from "../shared/smtp/settings.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TABLE_NAME = "posthaste";
const BUCKET_NAME = "posthaste-local";

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
  /** The DNS stand-in on 127.0.0.1 (UDP): `dig @127.0.0.1 -p <port> TXT <name>`. */
  dnsPort: number;
}

/**
 * A way to watch the platform work, for a runtime that measures it (`npm run bench` hands one in
 * from bench/platform-entry.ts); the platform itself knows nothing of what is measured.
 */
export interface PlatformInstrument {
  /** Every AWS client the platform and its handlers build. */
  awsClient: ClientInstrument;
  /** Every handler, as loaded from its entry file. */
  wrap<T>(entry: string, handler: T): T;
  /** Another process of the platform (the stand-ins), whose CPU time (and memory) should count too. */
  measureProcess(name: string, cpuUsage: () => Promise<NodeJS.CpuUsage>, memoryUsage?: () => Promise<NodeJS.MemoryUsage>): void;
}

export interface PlatformOptions {
  dataDir: string;
  /** Ports, pollers and the stand-ins' timings (shared/config.ts loadLocalSettings). */
  settings: Pick<
    LocalSettings,
    "ports" | "pollers" | "visibilityTimeoutSeconds" | "pollerConcurrency" | "standInsMaxRestarts" | "requestBytes"
  >;
  /** The platform cannot carry on (the stand-ins process keeps dying): the message says why. */
  onFatal(error: Error): void;
  instrument?: PlatformInstrument;
}

export interface Platform {
  info: LocalInfo;
  stop(): Promise<void>;
}

const SWEEP_EVERY_MS = 60_000;
/** The statistics rollup's schedule in functions/manifest.ts. */
const ROLLUP_EVERY_MS = 3_600_000;
/** The window in which LOCAL_STANDINS_MAX_RESTARTS restarts of a dying stand-ins process are allowed, then the platform stops. */
const STANDINS_RESTART_WINDOW_MS = 10 * 60_000;

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** A secret made at the first start and kept in the data directory (on AWS: Secrets Manager). */
async function localSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim()) return existing.trim();
  const secret = randomBytes(32).toString("base64url");
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

const linkSecret = (dataDir: string) => localSecret(dataDir, "link-secret");
/** Encrypts the DKIM private keys (DKIM_KEY_ENCRYPTION_KEY); the admin CLI reads it from here too. */
export const dkimKeyEncryptionKey = (dataDir: string) => localSecret(dataDir, "dkim-key-encryption-key");

/** Milliseconds of a manifest schedule's rate ("1 day", "5 minutes"). */
export function rateMs(rate: string): number {
  const match = /^(\d+) (minute|hour|day)s?$/.exec(rate);
  if (!match) throw new Error(`unknown schedule rate ${rate}`);
  return Number(match[1]) * { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2] as "minute" | "hour" | "day"];
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { settings, instrument } = options;
  if (instrument) instrumentClients(instrument.awsClient);
  const loadHandler = async <T>(entry: string): Promise<T> => {
    const module = (await import(pathToFileURL(path.join(ROOT, entry)).href)) as { handler: T };
    return instrument ? instrument.wrap(entry, module.handler) : module.handler;
  };
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const infoFile = path.join(dataDir, "local.json");
  const previous = await readJson<LocalInfo>(infoFile);

  // The stand-ins and the mailbox run in their own process: see local/standins-process.ts. If it
  // dies, the supervisor (set up below, once there is something to resume) restarts it.
  let supervisor: StandInsSupervisor | undefined;
  const standIns = await startStandInsProcess(dataDir, settings.ports, { onUnexpectedExit: (how) => supervisor?.exited(how) });
  instrument?.measureProcess("stand-ins", standIns.cpuUsage, standIns.memoryUsage);
  const { mailbox } = standIns;
  const gateway = await startGateway({ port: settings.ports.api, maxBodyBytes: settings.requestBytes });

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
    // Domains are verified against the DNS stand-in, and their keys encrypted with a local secret.
    DNS_SERVERS: `127.0.0.1:${standIns.dnsPort}`,
    DKIM_KEY_ENCRYPTION_KEY: await dkimKeyEncryptionKey(dataDir),
    // The SDK's Node 20 end-of-support notice is noise for a local runtime.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  // Handlers read their configuration from the environment when they are imported, as on Lambda.
  exportToHandlers(env);
  const bootConfig = loadConfig();
  const clients = makeAwsClients(bootConfig);
  const sns = localSnsClient(standIns.endpoints.sqs);
  /** What the stand-ins hold: made at start, and again after a restart (fauxqs keeps queues and topics in memory). */
  const provision = async () => {
    await ensureTable(clients.dynamo, TABLE_NAME);
    await ensureBucket(clients.s3, BUCKET_NAME);
    const queues = await ensureQueues(clients.sqs, "posthaste", settings.visibilityTimeoutSeconds);
    const sesEventsTopicArn = await ensureSesEventsTopic(sns, queues.sesEvents.arn);
    standIns.simulateSesFeedback(sesEventsTopicArn);
    return { queues, sesEventsTopicArn };
  };
  const { queues, sesEventsTopicArn } = await provision();
  exportToHandlers(Object.fromEntries(Object.entries(QUEUES).map(([name, def]) => [def.urlEnv, queues[name as QueueName].url])));
  const config = loadConfig();
  const shared = { dynamo: { dynamo: clients.dynamo, ddb: clients.ddb }, sqs: clients.sqs, s3: clients.s3 };
  const w = wiring({ config, clients: shared });
  const sweepDeps = { messages: messageStore(w), deliveryQueue: deliveryQueue(w) };
  const account = await ensureDevAccount(accountStore(w), previous);
  await ensureDevDomain(domainDeps(w), dataDir, account);

  const routes = (
    await Promise.all(
      ROUTES.map(async (def) => {
        const handler = await loadHandler<HttpLambda>(def.entry);
        // A route's other method and path pairs run the same handler (functions/manifest.ts `also`).
        return [def, ...(def.also ?? []).map((extra) => ({ ...def, ...extra, also: undefined }))].map((d) => compileRoute(d, handler));
      }),
    )
  ).flat();
  gateway.setRoutes(routes);

  // The SMTP door: the same server the Fargate container runs, on the same deps as the handlers.
  const tls = await localTlsCertificate(dataDir);
  const smtp = await startSmtpIngest({
    // As in the Fargate container (functions/smtp-ingest/main.ts): group commit across sessions.
    deps: smtpDeps(wiring({ config, clients: shared, coalesce: true })),
    settings: { ...smtpSettings(config), hostname: "localhost" },
    tls,
    host: "127.0.0.1",
    starttlsPort: settings.ports.smtpStarttls,
    tlsPort: settings.ports.smtpTls,
  });

  // Whatever the queues lost while the platform was down is sent again, all of it, before the
  // pollers start, so no claim belongs to a live worker (the claim skips what was already sent).
  // The same for webhook records: the queue stand-in keeps them in memory only, the outbox on disk.
  const webhookRecords = webhookRecordDeps(w);
  const sweepLeftovers = async (what: string) => {
    // Also what was due within the queue's longest delay (scheduled sends, retries): their delayed jobs were lost too.
    const swept = await sweep(sweepDeps, { olderThanSeconds: 0, releaseClaims: true, aheadSeconds: SQS_MAX_DELAY_SECONDS });
    if (swept > 0) log.info(what, { count: swept });
    await queueScheduled(sweepDeps);
    const resent = await sweepWebhookOutbox(webhookRecords, { olderThanSeconds: 0 });
    if (resent.resent + resent.parked > 0) log.info(`${what}: webhook records`, resent);
  };
  await sweepLeftovers("re-enqueued messages left from the last run");

  const consumers =
    settings.pollers === false
      ? []
      : await Promise.all(CONSUMERS.map(async (consumer) => ({ consumer, handler: await loadHandler<SqsLambda>(consumer.entry) })));
  let pollers: Poller[] = [];
  const startPollers = () => {
    pollers = consumers.map(({ consumer, handler }) =>
      startPoller({
        sqs: clients.sqs,
        queueUrl: queues[consumer.queue].url,
        queueArn: queues[consumer.queue].arn,
        handler,
        batchSize: consumer.batchSize,
        concurrency: settings.pollerConcurrency,
        onError: (error) => log.error(`${consumer.name} poller`, { error: String(error) }),
      }),
    );
  };
  const stopPollers = async () => {
    const running = pollers;
    pollers = [];
    await Promise.all(running.map((p) => p.stop()));
  };
  startPollers();
  const sweeper = setInterval(() => {
    queueScheduled(sweepDeps, { budgetMs: PERIODIC_SWEEP_BUDGET_MS / 2 }).catch((error) =>
      log.error("scheduler failed", { error: String(error) }),
    );
    sweep(sweepDeps, { olderThanSeconds: config.sweepAfterSeconds, budgetMs: PERIODIC_SWEEP_BUDGET_MS / 2 }).catch((error) =>
      log.error("sweeper failed", { error: String(error) }),
    );
    sweepWebhookOutbox(webhookRecords, { olderThanSeconds: webhookSweepAfterSeconds(config, QUEUES.webhooks.maxReceiveCount) }).catch(
      (error) => log.error("webhook outbox sweeper failed", { error: String(error) }),
    );
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  // The other schedules (the daily re-check of sending domains) at their manifest rate; the
  // sweeper and the statistics rollup have their own loops here.
  const scheduled = await Promise.all(
    SCHEDULES.filter((def) => def.name !== "Sweep" && def.name !== "RollupStatistics").map(async (def) => {
      const run = await loadHandler<() => Promise<unknown>>(def.entry);
      const timer = setInterval(() => run().catch((error) => log.error(`${def.name} failed`, { error: String(error) })), rateMs(def.rate));
      timer.unref();
      return timer;
    }),
  );
  // The statistics rollup (on AWS an hourly schedule): at start, for the days closed while the platform was down, then hourly.
  let rollingUp: Promise<unknown> = Promise.resolve();
  const rollUp = () => {
    rollingUp = rollUpStatistics({ counters: counterStore(w), retentionHours: config.retentionHours }).catch((error) =>
      log.error("statistics rollup failed", { error: String(error) }),
    );
  };
  rollUp();
  const rollup = setInterval(rollUp, ROLLUP_EVERY_MS);
  rollup.unref();

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
    dnsPort: standIns.dnsPort,
  };
  // Written aside then renamed: a script or test polling for the file never reads half of it.
  const writeInfo = async () => {
    await writeFile(`${infoFile}.tmp`, JSON.stringify(info, null, 2));
    await rename(`${infoFile}.tmp`, infoFile);
  };
  await writeInfo();

  supervisor = superviseStandIns({
    standIns,
    // No worker may hold a claim while the restart releases claims (sweepLeftovers).
    pause: stopPollers,
    async resume() {
      const again = await provision();
      // The handlers were configured with these at start: the same names on the same port give the same URLs.
      if (JSON.stringify(again) !== JSON.stringify({ queues, sesEventsTopicArn }))
        throw new Error("the new stand-ins process gave other queue URLs");
      await sweepLeftovers("re-enqueued messages the stand-ins process lost when it died");
      startPollers();
      info.standInsPid = standIns.pid;
      await writeInfo();
    },
    maxRestarts: settings.standInsMaxRestarts,
    windowMs: STANDINS_RESTART_WINDOW_MS,
    onFatal: options.onFatal,
  });
  if (!standIns.alive) supervisor.exited("exited while the platform started");

  return {
    info,
    async stop() {
      supervisor?.stop();
      // First, so sessions in flight finish while everything they need is still up.
      await smtp.close();
      clearInterval(sweeper);
      for (const timer of scheduled) clearInterval(timer);
      clearInterval(rollup);
      await rollingUp;
      await stopPollers();
      await gateway.close();
      await standIns.stop();
    },
  };
}
