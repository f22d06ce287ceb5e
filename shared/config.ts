// Everything the entry points need to know about their environment, read once per container.
// The same names are set by the CDK stack (AWS) and by local/main.ts (embedded stand-ins).

export type TransportConfig =
  | { kind: "mailbox" | "smtp"; host: string; port: number; secure: boolean; user?: string; pass?: string; finalHop: boolean }
  | { kind: "ses"; configurationSet?: string };

export interface Config {
  mode: "local" | "aws";
  region: string;
  tableName: string;
  bucketName: string;
  queueUrls: { deliveries: string; webhooks: string; sesEvents: string };
  /** Endpoint overrides for the embedded stand-ins; empty on AWS. */
  endpoints: { dynamodb?: string; sqs?: string; s3?: string };
  /** Base URL of the public API, used for unsubscribe, web-version and tracking links. */
  publicUrl: string;
  /** Secret for signing tokens in public links (unsubscribe, web version, tracking). */
  linkSecret: string;
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
  };
  delivery: {
    /** How many times a 4xx answer is retried before the message ends BOUNCED. */
    maxAttempts: number;
    /** First retry delay; doubles each time, capped at the SQS maximum of 15 minutes. */
    retryBaseSeconds: number;
    /** How long a worker owns a message while it sends it. */
    claimSeconds: number;
  };
  /** A message still ACCEPTED this long after it was due is re-enqueued by the sweeper. */
  sweepAfterSeconds: number;
  /** Days a message, its history and its body are kept (SPEC §7: logs for 48 hours). */
  retentionHours: number;
  webhooks: {
    /** Wait between attempts of a failed webhook post (SPEC §6: a minute). */
    retrySeconds: number;
    /** A post that has not answered by then counts as failed. */
    timeoutMs: number;
    /** How long a container reuses an account's list of webhook URLs before reading it again. */
    endpointCacheSeconds: number;
    maxEndpointsPerAccount: number;
  };
}

const num = (value: string | undefined, fallback: number) => (value === undefined || value === "" ? fallback : Number(value));

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
}

function transportFrom(env: NodeJS.ProcessEnv): TransportConfig {
  const kind = env.TRANSPORT ?? "mailbox";
  if (kind === "ses") return { kind, configurationSet: env.SES_CONFIGURATION_SET || undefined };
  if (kind !== "smtp" && kind !== "mailbox") throw new Error(`Unknown TRANSPORT ${kind}`);
  return {
    kind,
    host: env.SMTP_HOST ?? "127.0.0.1",
    port: num(env.SMTP_PORT, 1025),
    secure: env.SMTP_SECURE === "true",
    user: env.SMTP_USER || undefined,
    pass: env.SMTP_PASS || undefined,
    // The local mailbox is the recipient's server itself, so its 250 means delivered.
    finalHop: kind === "mailbox" || env.SMTP_FINAL_HOP === "true",
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const mode = env.POSTHASTE_MODE === "local" ? "local" : "aws";
  return {
    mode,
    region: env.AWS_REGION ?? "us-east-1",
    tableName: required(env, "TABLE_NAME"),
    bucketName: required(env, "BUCKET_NAME"),
    queueUrls: {
      deliveries: env.DELIVERIES_QUEUE_URL ?? "",
      webhooks: env.WEBHOOKS_QUEUE_URL ?? "",
      sesEvents: env.SES_EVENTS_QUEUE_URL ?? "",
    },
    endpoints: {
      dynamodb: env.DYNAMODB_ENDPOINT || undefined,
      sqs: env.SQS_ENDPOINT || undefined,
      s3: env.S3_ENDPOINT || undefined,
    },
    publicUrl: (env.PUBLIC_URL ?? "http://localhost:3000").replace(/\/$/, ""),
    linkSecret: required(env, "LINK_SECRET"),
    unsubscribeMailDomain: env.UNSUBSCRIBE_MAIL_DOMAIN ?? "unsubscribe.posthaste.test",
    transport: transportFrom(env),
    limits: {
      requestBytes: num(env.LIMIT_REQUEST_BYTES, 10 * 1024 * 1024),
      messageBytes: num(env.LIMIT_MESSAGE_BYTES, 10 * 1024 * 1024),
      recipientsPerRequest: num(env.LIMIT_RECIPIENTS_PER_REQUEST, 1000),
      attachmentsPerMessage: num(env.LIMIT_ATTACHMENTS_PER_MESSAGE, 50),
      // An S3 PUT + GET costs as much as about 8 KB of DynamoDB writes: below that, DynamoDB is cheaper and faster.
      inlineBodyBytes: num(env.LIMIT_INLINE_BODY_BYTES, 8 * 1024),
    },
    delivery: {
      maxAttempts: num(env.DELIVERY_MAX_ATTEMPTS, 8),
      retryBaseSeconds: num(env.DELIVERY_RETRY_BASE_SECONDS, 60),
      claimSeconds: num(env.DELIVERY_CLAIM_SECONDS, 120),
    },
    sweepAfterSeconds: num(env.SWEEP_AFTER_SECONDS, 300),
    retentionHours: num(env.RETENTION_HOURS, 48),
    webhooks: {
      retrySeconds: num(env.WEBHOOK_RETRY_SECONDS, 60),
      timeoutMs: num(env.WEBHOOK_TIMEOUT_MS, 10_000),
      endpointCacheSeconds: num(env.WEBHOOK_ENDPOINT_CACHE_SECONDS, 10),
      maxEndpointsPerAccount: num(env.WEBHOOK_MAX_ENDPOINTS, 10),
    },
  };
}
