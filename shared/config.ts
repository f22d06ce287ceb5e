// Every setting Posthaste reads from its environment, parsed once and checked here: no other
// module reads process.env. A bad value stops the start with the variable's name, its value and
// what was expected, instead of turning a limit off or retrying forever. The same names are set
// by the CDK stack (AWS) and by the local runtime (local/platform.ts). Every setting, with its
// default, is described in docs/configuration.md.
import { isIP } from "node:net";
import os from "node:os";
import * as z from "zod/mini";

type Env = Record<string, string | undefined>;

export type TransportConfig =
  | { kind: "mailbox" | "smtp"; host: string; port: number; secure: boolean; user?: string; pass?: string; finalHop: boolean }
  | { kind: "ses"; configurationSet?: string };

export type LogLevel = "info" | "warn" | "silent";

/** The SMTP door's own settings (shared/smtp/settings.ts turns them into the server's). */
export interface SmtpServerConfig {
  /** Name in the greeting and EHLO answer; the certificate should match it. */
  hostname: string;
  attachmentBytes: number;
  sessionsPerAccount: number;
  closeTimeoutMs: number;
  greetingDelay: boolean;
  authFailureDelayMs: number;
  authFailuresPerConnection: number;
  authFailuresPerAddress: number;
  authFailureWindowMs: number;
  unauthenticatedPerAddress: number;
  /** Processes the container runs the SMTP door in, each with its own event loop and group commit. */
  workers: number;
  /** The Fargate container's listeners (functions/smtp-ingest/main.ts). */
  bindHost: string;
  starttlsPort: number;
  tlsPort: number;
  healthPort: number;
  /** PEM texts; escaped newlines (\n) as ECS secrets carry them are turned into real ones. */
  tlsCertPem?: string;
  tlsKeyPem?: string;
  tlsCertSecretArn?: string;
}

export interface Config {
  mode: "local" | "aws";
  region: string;
  tableName: string;
  bucketName: string;
  queueUrls: { deliveries: string; webhooks: string; sesEvents: string };
  /** Endpoint overrides for the embedded stand-ins; empty on AWS. */
  endpoints: { dynamodb?: string; sqs?: string; s3?: string; ses?: string; secretsManager?: string };
  /** Base URL of the public API, used for unsubscribe, web-version and tracking links. */
  publicUrl: string;
  /**
   * Secret for signing tokens in public links (unsubscribe, web version, tracking). Given as a
   * value (npm start, tests) or, on AWS, read from `secrets.linkSecretArn` by the one loading
   * function (shared/secrets/refresh.ts), which fills it in before first use and again after a
   * rotation: empty until then.
   */
  linkSecret: string;
  /** Secrets Manager secrets read at cold start and again once older than `maxAgeSeconds` (docs/configuration.md). */
  secrets: {
    /** Holds the link secret (the whole secret string). */
    linkSecretArn?: string;
    /** Holds the SMTP relay's JSON {host, port, user, pass}, with TRANSPORT=smtp. */
    relaySecretArn?: string;
    /** Holds the DKIM key-encryption secret (domains.keyEncryptionSecret), for the functions that seal or open keys. */
    dkimKeySecretArn?: string;
    maxAgeSeconds: number;
  };
  /** Domain of the List-Unsubscribe mailto address. */
  unsubscribeMailDomain: string;
  transport: TransportConfig;
  limits: {
    requestBytes: number;
    messageBytes: number;
    recipientsPerRequest: number;
    /** Files one HTTP send may name in AttachmentsIds. */
    attachmentsPerMessage: number;
    /** Message bodies that deflate to this size or less are kept in DynamoDB, larger ones in S3 (shared/files/bodies.ts). */
    inlineBodyBytes: number;
    /** Distinct tags an account may use (docs/http-api.md, tags). */
    tagsPerAccount: number;
  };
  delivery: {
    /** How many times a 4xx answer is retried before the message ends BOUNCED. */
    maxAttempts: number;
    /** First retry delay; doubles each time, capped at the SQS maximum of 15 minutes. */
    retryBaseSeconds: number;
    /** How long a worker owns a message while it sends it. */
    claimSeconds: number;
    /** A send held back by the SES account's rate is tried again after this long (up to twice as long). */
    throttleRetrySeconds: number;
    /** How long the SES account's sending quota (GetAccount) is used before it is read again. */
    sesQuotaRefreshSeconds: number;
  };
  /** A message still ACCEPTED this long after it was due is re-enqueued by the sweeper. */
  sweepAfterSeconds: number;
  /** Hours a message, its history and its body are kept (docs/http-api.md: logs for 48 hours). */
  retentionHours: number;
  /** Keep the statistics counters (off only to measure what they cost: npm run bench). */
  statisticsCounters: boolean;
  webhooks: {
    /** Wait between attempts of a failed webhook post (docs/webhooks.md: a minute). */
    retrySeconds: number;
    /** A post that has not answered by then counts as failed. */
    timeoutMs: number;
    /** How long a container reuses an account's list of webhook URLs before reading it again. */
    endpointCacheSeconds: number;
    maxEndpointsPerAccount: number;
  };
  smtpServer: SmtpServerConfig;
  /** How long a container reuses an account's callers, domains and senders (shared/store/account-cache.ts). */
  accountCacheSeconds: number;
  /** Sending domains (docs/domains.md). */
  domains: DomainSettings;
  logLevel: LogLevel;
}

export interface DomainSettings {
  /** The secret the DKIM private keys are encrypted with (shared/domains/dkim-keys.ts); unset, keys can be neither made nor read. */
  keyEncryptionSecret?: string;
  /** DNS servers for verification (`ip` or `ip:port`); empty: the system's. */
  dnsServers: string[];
  dnsTimeoutMs: number;
  /** The SPF mechanisms of the return path: who sends for us. */
  spf: string;
  /** The return path's MX host. */
  returnPathMx: string;
  dmarcReportAddress?: string;
  /** The host the tracking CNAME points at. */
  linksHost: string;
  /** Links in mail use the sender's verified tracking host (the deployment must serve it). */
  trackingHosts: boolean;
}

/** A setting with a bad value, or a required one missing; the message names it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `Invalid settings:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

// --- What a value may be. Each says what it expects, which is what a refusal quotes. ---

type Setting<T> = z.ZodMiniType<T, string | undefined>;

const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

function setting<T>(expected: string, read: (value: string) => T | undefined, fallback: T): Setting<T>;
function setting<T>(expected: string, read: (value: string) => T | undefined): Setting<T | undefined>;
function setting<T>(expected: string, read: (value: string) => T | undefined, fallback?: T): Setting<T | undefined> {
  return z.pipe(
    z.optional(z.string()),
    z.transform((value: string | undefined, context) => {
      if (!given(value)) return fallback;
      const result = read(value.trim());
      if (result === undefined) context.issues.push({ code: "custom", message: expected, input: value });
      return result;
    }),
  ) as unknown as Setting<T | undefined>;
}

const wholeNumber = (expected: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  setting(expected, (v) => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined), fallback);
const port = (fallback: number) => wholeNumber("a port number from 0 to 65535", fallback, 0, 65535);
const flag = (fallback: boolean, yes = "true", no = "false") =>
  setting(`${yes} or ${no}`, (v) => (v === yes ? true : v === no ? false : undefined), fallback);
function oneOf<const T extends string>(values: readonly T[], fallback: T): Setting<T>;
function oneOf<const T extends string>(values: readonly T[]): Setting<T | undefined>;
function oneOf<const T extends string>(values: readonly T[], fallback?: T) {
  return setting(`one of ${values.join(", ")}`, (v) => (values.includes(v as T) ? (v as T) : undefined), fallback as T);
}
const text = (fallback?: string) => setting("some text", (v) => v, fallback as string);
const required = (expected = "some text") =>
  z.pipe(
    z.optional(z.string()),
    z.transform((value: string | undefined, context) => {
      if (given(value)) return value.trim();
      context.issues.push({ code: "custom", message: `required: ${expected}`, input: value });
      return "";
    }),
  ) as unknown as Setting<string>;
const httpUrl = (fallback?: string) =>
  setting(
    "an http(s) URL",
    (v) => {
      try {
        return ["http:", "https:"].includes(new URL(v).protocol) ? v : undefined;
      } catch {
        return undefined;
      }
    },
    fallback as string,
  );

const MB = 1024 * 1024;

/** The environment of every function (Lambda, the SMTP container, the local runtime's handlers). */
const ENVIRONMENT = z.object({
  POSTHASTE_MODE: oneOf(["local", "aws"], "aws"),
  AWS_REGION: text("us-east-1"),
  TABLE_NAME: required("the DynamoDB table's name"),
  BUCKET_NAME: required("the S3 bucket's name"),
  DELIVERIES_QUEUE_URL: text(""),
  WEBHOOKS_QUEUE_URL: text(""),
  SES_EVENTS_QUEUE_URL: text(""),
  DYNAMODB_ENDPOINT: httpUrl(),
  SQS_ENDPOINT: httpUrl(),
  S3_ENDPOINT: httpUrl(),
  PUBLIC_URL: httpUrl("http://localhost:3000"),
  // One of the two is required (checked in loadConfig).
  LINK_SECRET: text(),
  LINK_SECRET_ARN: text(),
  SMTP_RELAY_SECRET_ARN: text(),
  DKIM_KEY_ENCRYPTION_KEY_ARN: text(),
  SECRETS_MAX_AGE_SECONDS: wholeNumber("a whole number of seconds", 300),
  SES_ENDPOINT: httpUrl(),
  SECRETS_MANAGER_ENDPOINT: httpUrl(),
  UNSUBSCRIBE_MAIL_DOMAIN: text("unsubscribe.posthaste.test"),
  TRANSPORT: oneOf(["mailbox", "smtp", "ses"], "mailbox"),
  SES_CONFIGURATION_SET: text(),
  SMTP_HOST: text("127.0.0.1"),
  SMTP_PORT: port(1025),
  SMTP_SECURE: flag(false),
  SMTP_USER: text(),
  SMTP_PASS: text(),
  SMTP_FINAL_HOP: flag(false),
  LIMIT_REQUEST_BYTES: wholeNumber("a whole number of bytes", 10 * MB, 1),
  LIMIT_MESSAGE_BYTES: wholeNumber("a whole number of bytes", 10 * MB, 1),
  LIMIT_RECIPIENTS_PER_REQUEST: wholeNumber("a whole number of recipients, at least 1", 1000, 1),
  LIMIT_ATTACHMENTS_PER_MESSAGE: wholeNumber("a whole number of files", 50),
  // An S3 PUT + GET costs as much as about 8 KB of DynamoDB writes: below that, DynamoDB is cheaper and faster.
  // DynamoDB items hold at most 400 KB.
  LIMIT_INLINE_BODY_BYTES: setting(
    "a whole number of bytes up to 358400",
    (v) => (/^\d+$/.test(v) && Number(v) <= 350 * 1024 ? Number(v) : undefined),
    8 * 1024,
  ),
  LIMIT_TAGS_PER_ACCOUNT: wholeNumber("a whole number of tags, at least 1", 10_000, 1),
  DELIVERY_MAX_ATTEMPTS: wholeNumber("a whole number of attempts, at least 1", 8, 1),
  DELIVERY_RETRY_BASE_SECONDS: wholeNumber("a whole number of seconds", 60),
  DELIVERY_CLAIM_SECONDS: wholeNumber("a whole number of seconds, at least 1", 120, 1),
  DELIVERY_THROTTLE_RETRY_SECONDS: wholeNumber("a whole number of seconds, at least 1", 10, 1),
  SES_QUOTA_REFRESH_SECONDS: wholeNumber("a whole number of seconds, at least 1", 60, 1),
  SWEEP_AFTER_SECONDS: wholeNumber("a whole number of seconds", 300),
  RETENTION_HOURS: wholeNumber("a whole number of hours, at least 1", 48, 1),
  STATISTICS_COUNTERS: flag(true, "on", "off"),
  WEBHOOK_RETRY_SECONDS: wholeNumber("a whole number of seconds", 60),
  WEBHOOK_TIMEOUT_MS: wholeNumber("a whole number of milliseconds, at least 1", 10_000, 1),
  WEBHOOK_ENDPOINT_CACHE_SECONDS: wholeNumber("a whole number of seconds", 10),
  WEBHOOK_MAX_ENDPOINTS: wholeNumber("a whole number of URLs", 10),
  SMTP_SERVER_NAME: text(),
  LIMIT_ATTACHMENT_BYTES: wholeNumber("a whole number of bytes", 7 * MB, 1),
  LIMIT_SMTP_CONNECTIONS_PER_ACCOUNT: wholeNumber("a whole number of connections, at least 1", 50, 1),
  SMTP_CLOSE_TIMEOUT_MS: wholeNumber("a whole number of milliseconds", 30_000),
  SMTP_GREETING_DELAY: flag(false, "on", "off"),
  SMTP_AUTH_FAILURE_DELAY_MS: wholeNumber("a whole number of milliseconds", 500),
  SMTP_AUTH_FAILURES_PER_CONNECTION: wholeNumber("a whole number of failed logins, at least 1", 3, 1),
  SMTP_AUTH_FAILURES_PER_ADDRESS: wholeNumber("a whole number of failed logins, at least 1", 10, 1),
  SMTP_AUTH_FAILURE_WINDOW_MS: wholeNumber("a whole number of milliseconds", 5 * 60_000),
  // A pooled client opens its connections at once; as many as an account may hold must get in.
  SMTP_UNAUTHENTICATED_PER_ADDRESS: wholeNumber("a whole number of connections, at least 1", 50, 1),
  SMTP_WORKERS: wholeNumber("a whole number of processes, at least 1", os.availableParallelism(), 1),
  SMTP_BIND_HOST: text("0.0.0.0"),
  SMTP_STARTTLS_PORT: port(587),
  SMTP_TLS_PORT: port(465),
  HEALTH_PORT: port(8080),
  TLS_CERT_PEM: text(),
  TLS_KEY_PEM: text(),
  TLS_CERT_SECRET_ARN: text(),
  LOG_LEVEL: oneOf(["info", "warn", "silent"], "info"),
  ACCOUNT_CACHE_SECONDS: wholeNumber("a whole number of seconds", 30),
  DKIM_KEY_ENCRYPTION_KEY: setting("a secret of at least 32 characters", (v) => (v.length >= 32 ? v : undefined)),
  DNS_SERVERS: setting("a comma-separated list of IP addresses, each with an optional :port", (v) => {
    const servers = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return servers.every((s) => /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-f:]+\](:\d{1,5})?|[0-9a-f:]+)$/i.test(s)) ? servers : undefined;
  }),
  DNS_TIMEOUT_MS: wholeNumber("a whole number of milliseconds, at least 1", 3000, 1),
  SPF_MECHANISMS: text(),
  RETURN_PATH_MX: text(),
  DMARC_REPORT_ADDRESS: text(),
  LINKS_HOST: text(),
  TRACKING_HOSTS: flag(false, "on", "off"),
});

/** What the return path's records point at for each transport, unless SPF_MECHANISMS and RETURN_PATH_MX say otherwise. */
function returnPathDefaults(transport: TransportConfig, region: string) {
  if (transport.kind === "ses") return { spf: "include:amazonses.com", mx: `feedback-smtp.${region}.amazonses.com` };
  if (transport.kind === "mailbox") return { spf: `ip4:${transport.host}`, mx: "localhost" };
  return { spf: `a:${transport.host}`, mx: transport.host };
}

/** Parses `env` with `schema`; every bad value is named in one error, with the `extra` problems found beside it. */
function parseEnvironment<T>(schema: z.ZodMiniType<T, Env>, env: Env, extra: string[] = []): T {
  const parsed = schema.safeParse(env);
  if (parsed.success && extra.length === 0) return parsed.data;
  const issues = parsed.success ? [] : parsed.error.issues;
  const problems = issues.map((issue) => {
    const name = String(issue.path[0]);
    const value = env[name];
    if (issue.message.startsWith("required: ")) return `${name} is not set: expected ${issue.message.slice("required: ".length)}`;
    return `${name}=${JSON.stringify(value)} is not valid: expected ${issue.message}`;
  });
  throw new ConfigError([...problems, ...extra]);
}

const pem = (value: string | undefined) => value?.replace(/\\n/g, "\n");

export function loadConfig(env: Env = process.env): Config {
  const linkSecretMissing =
    !given(env.LINK_SECRET) && !given(env.LINK_SECRET_ARN)
      ? ["LINK_SECRET is not set: expected a secret that signs public links (or LINK_SECRET_ARN, the Secrets Manager secret that holds it)"]
      : [];
  const e = parseEnvironment(ENVIRONMENT, env, linkSecretMissing);
  const transport: TransportConfig =
    e.TRANSPORT === "ses"
      ? { kind: "ses", configurationSet: e.SES_CONFIGURATION_SET }
      : {
          kind: e.TRANSPORT,
          host: e.SMTP_HOST,
          port: e.SMTP_PORT,
          secure: e.SMTP_SECURE,
          user: e.SMTP_USER,
          pass: e.SMTP_PASS,
          // The local mailbox is the recipient's server itself, so its 250 means delivered.
          finalHop: e.TRANSPORT === "mailbox" || e.SMTP_FINAL_HOP,
        };
  const publicUrl = e.PUBLIC_URL.replace(/\/$/, "");
  const returnPath = returnPathDefaults(transport, e.AWS_REGION);
  const publicHost = new URL(publicUrl).hostname;
  return {
    mode: e.POSTHASTE_MODE,
    region: e.AWS_REGION,
    tableName: e.TABLE_NAME,
    bucketName: e.BUCKET_NAME,
    queueUrls: { deliveries: e.DELIVERIES_QUEUE_URL, webhooks: e.WEBHOOKS_QUEUE_URL, sesEvents: e.SES_EVENTS_QUEUE_URL },
    endpoints: {
      dynamodb: e.DYNAMODB_ENDPOINT,
      sqs: e.SQS_ENDPOINT,
      s3: e.S3_ENDPOINT,
      ses: e.SES_ENDPOINT,
      secretsManager: e.SECRETS_MANAGER_ENDPOINT,
    },
    publicUrl,
    linkSecret: e.LINK_SECRET ?? "",
    secrets: {
      linkSecretArn: e.LINK_SECRET_ARN,
      relaySecretArn: e.SMTP_RELAY_SECRET_ARN,
      dkimKeySecretArn: e.DKIM_KEY_ENCRYPTION_KEY_ARN,
      maxAgeSeconds: e.SECRETS_MAX_AGE_SECONDS,
    },
    unsubscribeMailDomain: e.UNSUBSCRIBE_MAIL_DOMAIN,
    transport,
    limits: {
      requestBytes: e.LIMIT_REQUEST_BYTES,
      messageBytes: e.LIMIT_MESSAGE_BYTES,
      recipientsPerRequest: e.LIMIT_RECIPIENTS_PER_REQUEST,
      attachmentsPerMessage: e.LIMIT_ATTACHMENTS_PER_MESSAGE,
      inlineBodyBytes: e.LIMIT_INLINE_BODY_BYTES,
      tagsPerAccount: e.LIMIT_TAGS_PER_ACCOUNT,
    },
    delivery: {
      maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
      retryBaseSeconds: e.DELIVERY_RETRY_BASE_SECONDS,
      claimSeconds: e.DELIVERY_CLAIM_SECONDS,
      throttleRetrySeconds: e.DELIVERY_THROTTLE_RETRY_SECONDS,
      sesQuotaRefreshSeconds: e.SES_QUOTA_REFRESH_SECONDS,
    },
    sweepAfterSeconds: e.SWEEP_AFTER_SECONDS,
    retentionHours: e.RETENTION_HOURS,
    statisticsCounters: e.STATISTICS_COUNTERS,
    webhooks: {
      retrySeconds: e.WEBHOOK_RETRY_SECONDS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      endpointCacheSeconds: e.WEBHOOK_ENDPOINT_CACHE_SECONDS,
      maxEndpointsPerAccount: e.WEBHOOK_MAX_ENDPOINTS,
    },
    smtpServer: {
      hostname: e.SMTP_SERVER_NAME ?? os.hostname(),
      attachmentBytes: e.LIMIT_ATTACHMENT_BYTES,
      sessionsPerAccount: e.LIMIT_SMTP_CONNECTIONS_PER_ACCOUNT,
      closeTimeoutMs: e.SMTP_CLOSE_TIMEOUT_MS,
      greetingDelay: e.SMTP_GREETING_DELAY,
      authFailureDelayMs: e.SMTP_AUTH_FAILURE_DELAY_MS,
      authFailuresPerConnection: e.SMTP_AUTH_FAILURES_PER_CONNECTION,
      authFailuresPerAddress: e.SMTP_AUTH_FAILURES_PER_ADDRESS,
      authFailureWindowMs: e.SMTP_AUTH_FAILURE_WINDOW_MS,
      unauthenticatedPerAddress: e.SMTP_UNAUTHENTICATED_PER_ADDRESS,
      workers: e.SMTP_WORKERS,
      bindHost: e.SMTP_BIND_HOST,
      starttlsPort: e.SMTP_STARTTLS_PORT,
      tlsPort: e.SMTP_TLS_PORT,
      healthPort: e.HEALTH_PORT,
      tlsCertPem: pem(e.TLS_CERT_PEM),
      tlsKeyPem: pem(e.TLS_KEY_PEM),
      tlsCertSecretArn: e.TLS_CERT_SECRET_ARN,
    },
    accountCacheSeconds: e.ACCOUNT_CACHE_SECONDS,
    domains: {
      keyEncryptionSecret: e.DKIM_KEY_ENCRYPTION_KEY,
      dnsServers: e.DNS_SERVERS ?? [],
      dnsTimeoutMs: e.DNS_TIMEOUT_MS,
      spf: e.SPF_MECHANISMS ?? returnPath.spf,
      returnPathMx: e.RETURN_PATH_MX ?? returnPath.mx,
      dmarcReportAddress: e.DMARC_REPORT_ADDRESS,
      // A CNAME cannot point at an IP address: the local platform's 127.0.0.1 becomes localhost.
      linksHost: e.LINKS_HOST ?? (isIP(publicHost) ? "localhost" : publicHost),
      trackingHosts: e.TRACKING_HOSTS,
    },
    logLevel: e.LOG_LEVEL,
  };
}

// --- The log level, read on every line: the local runtime and tests set it after modules load. ---

const LOG_LEVEL = z.object({ LOG_LEVEL: oneOf(["info", "warn", "silent"], "info") });
let lastLogLevel: { raw: string | undefined; level: LogLevel } | undefined;

/** LOG_LEVEL (info, warn or silent); a bad value throws like any other setting. */
export function logLevel(env: Env = process.env): LogLevel {
  const raw = env.LOG_LEVEL;
  if (lastLogLevel === undefined || lastLogLevel.raw !== raw)
    lastLogLevel = { raw, level: parseEnvironment(LOG_LEVEL, { LOG_LEVEL: raw }).LOG_LEVEL };
  return lastLogLevel.level;
}

/**
 * Whether metrics are written (as CloudWatch EMF log lines): on AWS only, where CloudWatch reads
 * them, and never with LOG_LEVEL=silent.
 */
export function publishesMetrics(env: Env = process.env): boolean {
  return (env.POSTHASTE_MODE ?? "aws") === "aws" && logLevel(env) !== "silent";
}

// --- The local runtime (npm start, npm run admin) ---

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
  /** The DNS stand-in (UDP), authoritative for the domains published to it. */
  dns: number;
}

export const DEFAULT_LOCAL_PORTS: LocalPorts = {
  api: 3000,
  mailboxHttp: 8025,
  mailboxSmtp: 1025,
  dynamodb: 4567,
  sqs: 4566,
  s3: 4569,
  smtpStarttls: 2587,
  smtpTls: 2465,
  dns: 5354,
};

const LOCAL_ENVIRONMENT = z.object({
  POSTHASTE_DATA_DIR: text(),
  POSTHASTE_PORTS: oneOf(["auto"]),
  POSTHASTE_POLLERS: flag(true, "on", "off"),
  PORT: port(DEFAULT_LOCAL_PORTS.api),
  MAILBOX_HTTP_PORT: port(DEFAULT_LOCAL_PORTS.mailboxHttp),
  MAILBOX_SMTP_PORT: port(DEFAULT_LOCAL_PORTS.mailboxSmtp),
  DYNAMODB_PORT: port(DEFAULT_LOCAL_PORTS.dynamodb),
  SQS_PORT: port(DEFAULT_LOCAL_PORTS.sqs),
  S3_PORT: port(DEFAULT_LOCAL_PORTS.s3),
  SMTP_STARTTLS_PORT: port(DEFAULT_LOCAL_PORTS.smtpStarttls),
  SMTP_TLS_PORT: port(DEFAULT_LOCAL_PORTS.smtpTls),
  DNS_PORT: port(DEFAULT_LOCAL_PORTS.dns),
  LOCAL_VISIBILITY_TIMEOUT_SECONDS: setting("a whole number of seconds", (v) => (/^\d+$/.test(v) ? Number(v) : undefined)),
  LOCAL_POLLER_CONCURRENCY: wholeNumber("a whole number of batches at once, at least 1", 4, 1),
  LOCAL_STANDINS_MAX_RESTARTS: wholeNumber("a whole number of restarts", 5),
});

export interface LocalSettings {
  /** Where the stand-ins keep their data; `.data/` of the checkout when unset. */
  dataDir?: string;
  ports: LocalPorts;
  pollers: boolean;
  /** The queue stand-in's visibility timeout (tests shorten it). */
  visibilityTimeoutSeconds?: number;
  pollerConcurrency: number;
  standInsMaxRestarts: number;
  /** LIMIT_REQUEST_BYTES, which the local gateway enforces as API Gateway would. */
  requestBytes: number;
}

/** `npm start`'s settings. Bad values of the handlers' settings stop it here too, before anything starts. */
export function loadLocalSettings(env: Env = process.env): LocalSettings {
  const e = parseEnvironment(LOCAL_ENVIRONMENT, env);
  // The handlers read the same environment (limits, timings, LOG_LEVEL): checked now, before
  // anything starts, with placeholders for what the runtime sets itself.
  const handlers = loadConfig({ ...env, TABLE_NAME: "-", BUCKET_NAME: "-", LINK_SECRET: "-" });
  const auto = e.POSTHASTE_PORTS === "auto";
  const ports: LocalPorts = {
    api: e.PORT,
    mailboxHttp: e.MAILBOX_HTTP_PORT,
    mailboxSmtp: e.MAILBOX_SMTP_PORT,
    dynamodb: e.DYNAMODB_PORT,
    sqs: e.SQS_PORT,
    s3: e.S3_PORT,
    smtpStarttls: e.SMTP_STARTTLS_PORT,
    smtpTls: e.SMTP_TLS_PORT,
    dns: e.DNS_PORT,
  };
  return {
    dataDir: e.POSTHASTE_DATA_DIR,
    ports: auto ? (Object.fromEntries(Object.keys(ports).map((name) => [name, 0])) as unknown as LocalPorts) : ports,
    pollers: e.POSTHASTE_POLLERS,
    visibilityTimeoutSeconds: e.LOCAL_VISIBILITY_TIMEOUT_SECONDS,
    pollerConcurrency: e.LOCAL_POLLER_CONCURRENCY,
    standInsMaxRestarts: e.LOCAL_STANDINS_MAX_RESTARTS,
    requestBytes: handlers.limits.requestBytes,
  };
}

const ADMIN_ENVIRONMENT = z.object({
  POSTHASTE_MODE: oneOf(["local", "aws"], "local"),
  POSTHASTE_DATA_DIR: text(),
  AWS_REGION: text("us-east-1"),
  TABLE_NAME: text(),
  DELIVERIES_QUEUE_URL: text(),
  DELIVERIES_DLQ_URL: text(),
  WEBHOOKS_QUEUE_URL: text(),
  WEBHOOKS_DLQ_URL: text(),
  SES_EVENTS_QUEUE_URL: text(),
  SES_EVENTS_DLQ_URL: text(),
});

export interface AdminSettings {
  mode: "local" | "aws";
  dataDir?: string;
  region: string;
  /** On AWS: the stack's outputs. */
  tableName?: string;
  /** Queue and dead-letter queue URLs by the queue's URL variable (DELIVERIES_QUEUE_URL ...). */
  queueUrls: Record<string, string | undefined>;
}

/** `npm run admin`'s settings. */
export function loadAdminSettings(env: Env = process.env): AdminSettings {
  const e = parseEnvironment(ADMIN_ENVIRONMENT, env);
  const { POSTHASTE_MODE, POSTHASTE_DATA_DIR, AWS_REGION, TABLE_NAME, ...queueUrls } = e;
  return { mode: POSTHASTE_MODE, dataDir: POSTHASTE_DATA_DIR, region: AWS_REGION, tableName: TABLE_NAME, queueUrls };
}

/**
 * The functions' settings for the admin CLI's domain commands on AWS: from this environment,
 * on the stack's table, with placeholders for what the domain service does not use.
 */
export function loadAdminFunctionConfig(tableName: string, env: Env = process.env): Config {
  return loadConfig({ BUCKET_NAME: "-", LINK_SECRET: "-", ...env, TABLE_NAME: tableName });
}

/**
 * Hands settings to the handlers of the local runtime, which read them when they are imported,
 * as a Lambda reads its environment at a cold start.
 */
export function exportToHandlers(env: Record<string, string>) {
  Object.assign(process.env, env);
}

/**
 * The environment of the local stand-ins process: the platform's, with glibc's malloc held to two
 * arenas unless MALLOC_ARENA_MAX says otherwise. LevelDB (dynalite) and the stand-ins' I/O
 * allocate on libuv's worker threads; glibc gives each thread its own arena and keeps their freed
 * memory, so the process's resident memory grew for the whole of a long run (docs/local.md).
 */
export function standInsProcessEnv(env: Env = process.env): Env {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? "2" };
}

/** The local runtime supports Node 20 on purpose (Lambda runs 22); the SDK's notice about it is noise there. */
export function quietSdkVersionNotice() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}
