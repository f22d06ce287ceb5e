// Where every function's dependencies are built, and the only place (docs/architecture.md). One
// context per container: `const w = wiring({ config })`, then each entry asks for what it uses,
// `messageStore(w)`, `authDeps(w)` ... Each builder builds its own dependencies through the other
// builders, once per context, so two builders that need the message store share one. An entry
// that does not call a builder does not bundle what it would have built; the builders of mail
// sending, which bring nodemailer along, are in shared/wiring-delivery.ts for the same reason.
import { makeDynamoClients, makeS3Client, makeSecretsClient, makeSqsClient, type AwsClients, type DynamoClients } from "./aws.ts";
import type { Config } from "./config.ts";
import type { StatusListener } from "./domain/status.ts";
import { makeAttachmentLoader, makeFileStore } from "./files/attachments.ts";
import { makeBodyStore } from "./files/bodies.ts";
import { log } from "./log.ts";
import { makeDeliveryQueue } from "./queue/deliveries.ts";
import { makeSecretsRefresher } from "./secrets/refresh.ts";
import { makeSecretReader } from "./secrets/secrets.ts";
import { makeWebhookQueue } from "./queue/webhooks.ts";
import { countStatuses } from "./status/metrics-listener.ts";
import { makeMemoryRateLimiter } from "./http/memory-rate-limit.ts";
import { makeCounterListener } from "./statistics/counter-listener.ts";
import { makeStatusService } from "./status/status-service.ts";
import { makeAccountCache } from "./store/account-cache.ts";
import { makeAccountStore } from "./store/accounts.ts";
import { makeCounterStore } from "./store/counters.ts";
import { makeFileRecordStore } from "./store/file-records.ts";
import { makeIdempotencyStore } from "./store/idempotency.ts";
import { makeInlineBodyStore } from "./store/inline-bodies.ts";
import { makeMessageLogStore } from "./store/message-log.ts";
import { makeMessageStore } from "./store/messages.ts";
import { makeSendingDomainStore } from "./store/sending-domains.ts";
import { makeRateLimiter } from "./store/rate-limit.ts";
import { makeReportStore } from "./store/reports.ts";
import { makeSuppressionStore } from "./store/suppressions.ts";
import { makeTagStore } from "./store/tags.ts";
import { makeTemplateStore } from "./store/templates.ts";
import { makeUnitsOfWork } from "./store/unit-of-work.ts";
import { makeWebhookEndpointStore } from "./store/webhook-endpoints.ts";
import { makeWebhookRecordStore } from "./store/webhook-records.ts";
import type { Transport } from "./transport/transport.ts";
import { makeWebhookListener } from "./webhooks/listener.ts";

export interface WiringOptions {
  config: Config;
  /** Clients to use instead of building new ones (tests and the local runtime share theirs). */
  clients?: { dynamo?: DynamoClients; sqs?: AwsClients["sqs"]; s3?: AwsClients["s3"] };
  /**
   * Group commit of accept-path writes across concurrent submissions (shared/lib/coalesce.ts):
   * for the SMTP door, a long-running server with many sessions. Lambda handlers leave it off.
   */
  coalesce?: boolean;
  /** Status listeners instead of the webhook listener (tests that watch status changes). */
  listeners?: StatusListener[];
  /** A transport instead of the configured one (tests that inject a failure). */
  transport?: Transport;
}

export interface Wiring {
  readonly config: Config;
  readonly options: WiringOptions;
  /** What each builder built for this context. */
  readonly built: Map<(w: Wiring) => unknown, unknown>;
}

export const wiring = (options: WiringOptions): Wiring => ({ config: options.config, options, built: new Map() });

/**
 * A builder that builds once per context. Every call of it is marked pure, so esbuild drops the
 * builders an entry does not use, and what only they import.
 */
export const builder =
  <T>(build: (w: Wiring) => T) =>
  (w: Wiring): T => {
    if (!w.built.has(build)) w.built.set(build, build(w));
    return w.built.get(build) as T;
  };

// --- Clients ---

export const dynamo = /* @__PURE__ */ builder((w) => w.options.clients?.dynamo ?? makeDynamoClients(w.config));
export const sqs = /* @__PURE__ */ builder((w) => w.options.clients?.sqs ?? makeSqsClient(w.config));
export const s3 = /* @__PURE__ */ builder((w) => w.options.clients?.s3 ?? makeS3Client(w.config));
const ddb = (w: Wiring) => dynamo(w).ddb;

// --- DynamoDB repositories ---

export const accountStore = /* @__PURE__ */ builder((w) => makeAccountStore(ddb(w), w.config.tableName));
export const accountCache = /* @__PURE__ */ builder((w) =>
  makeAccountCache(accountStore(w), { ttlMs: w.config.accountCacheSeconds * 1000 }),
);
export const sendingDomainStore = /* @__PURE__ */ builder((w) => makeSendingDomainStore(ddb(w), w.config.tableName));
export const messageStore = /* @__PURE__ */ builder((w) => makeMessageStore(ddb(w), w.config.tableName));
export const suppressionStore = /* @__PURE__ */ builder((w) =>
  makeSuppressionStore(ddb(w), w.config.tableName, { coalesce: w.options.coalesce }),
);
export const idempotencyStore = /* @__PURE__ */ builder((w) => makeIdempotencyStore(ddb(w), w.config.tableName));
export const rateLimiter = /* @__PURE__ */ builder((w) => makeRateLimiter(ddb(w), w.config.tableName));
export const webhookEndpoints = /* @__PURE__ */ builder((w) => makeWebhookEndpointStore(ddb(w), w.config.tableName));
export const webhookRecords = /* @__PURE__ */ builder((w) => makeWebhookRecordStore(ddb(w), w.config.tableName));
export const messageLogStore = /* @__PURE__ */ builder((w) => makeMessageLogStore(ddb(w), w.config.tableName));
export const reportStore = /* @__PURE__ */ builder((w) => makeReportStore(ddb(w), w.config.tableName));
export const counterStore = /* @__PURE__ */ builder((w) => makeCounterStore(ddb(w), w.config.tableName));
export const templateStore = /* @__PURE__ */ builder((w) => makeTemplateStore(ddb(w), w.config.tableName));
export const tagStore = /* @__PURE__ */ builder((w) => makeTagStore(ddb(w), w.config.tableName));
export const unitsOfWork = /* @__PURE__ */ builder((w) =>
  makeUnitsOfWork({ ddb: ddb(w), tableName: w.config.tableName }, { coalesce: w.options.coalesce }),
);

// --- S3 ---

export const bodyStore = /* @__PURE__ */ builder((w) =>
  makeBodyStore({
    s3: s3(w),
    bucketName: w.config.bucketName,
    inline: makeInlineBodyStore(ddb(w), w.config.tableName),
    inlineMaxBytes: w.config.limits.inlineBodyBytes,
  }),
);
export const fileStore = /* @__PURE__ */ builder((w) =>
  makeFileStore(s3(w), w.config.bucketName, makeFileRecordStore(ddb(w), w.config.tableName)),
);
export const attachmentLoader = /* @__PURE__ */ builder((w) => makeAttachmentLoader(s3(w), w.config.bucketName));

// --- SQS ---

export const deliveryQueue = /* @__PURE__ */ builder((w) =>
  makeDeliveryQueue(sqs(w), w.config.queueUrls.deliveries, { coalesce: w.options.coalesce }),
);
export const webhookQueue = /* @__PURE__ */ builder((w) => makeWebhookQueue(sqs(w), w.config.queueUrls.webhooks, webhookRecords(w)));

// --- Secrets ---

/**
 * Brings the secrets the configuration names by ARN into it (shared/secrets/refresh.ts); the
 * entries that sign or verify links, send through a relay or seal DKIM keys call it before each invocation.
 */
export const secretsRefresh = /* @__PURE__ */ builder((w) => {
  const { linkSecretArn, relaySecretArn, dkimKeySecretArn } = w.config.secrets;
  return makeSecretsRefresher(w.config, linkSecretArn || relaySecretArn || dkimKeySecretArn ? secretReader(w) : undefined);
});

/** Secrets Manager through Powertools Parameters, each value kept for the configured max age (shared/secrets/secrets.ts). */
export const secretReader = /* @__PURE__ */ builder((w) => makeSecretReader(makeSecretsClient(w.config), w.config.secrets.maxAgeSeconds));

// --- Statuses ---

/** The statistics counters' listener (shared/statistics/counter-listener.ts). */
export const counterListener = /* @__PURE__ */ builder((w) => makeCounterListener({ counters: counterStore(w) }));

/**
 * Who hears about status changes: the metrics, the webhook listener and the statistics counters.
 * They plug in here, so no handler has to know about them. (Delivery reports need no listener:
 * the write that records a final status also files its report.)
 */
export const statusListeners = /* @__PURE__ */ builder((w): StatusListener[] => {
  if (w.options.listeners) return w.options.listeners;
  const listeners: StatusListener[] = w.config.statisticsCounters ? [counterListener(w)] : [];
  if (!w.config.queueUrls.webhooks) {
    // Tools that only read (the admin CLI, scripts) have no queue; an entry point that records statuses must.
    log.warn("WEBHOOKS_QUEUE_URL is not set: status changes will not be posted to webhooks");
    return [countStatuses, ...listeners];
  }
  return [
    countStatuses,
    makeWebhookListener({ endpoints: webhookEndpoints(w), queue: webhookQueue(w), cacheSeconds: w.config.webhooks.endpointCacheSeconds }),
    ...listeners,
  ];
});

export const statusService = /* @__PURE__ */ builder((w) =>
  makeStatusService({ messages: messageStore(w), suppressions: suppressionStore(w), listeners: statusListeners(w) }),
);

// --- What features take, assembled ---

/** API key, allowlist and rate limit of the HTTP routes (shared/http/auth.ts). */
export const authDeps = /* @__PURE__ */ builder((w) => ({ accountCache: accountCache(w), rateLimiter: rateLimiter(w) }));

/** The same for the read routes: the rate is counted in the container, so reading never writes the table. */
export const readAuthDeps = /* @__PURE__ */ builder((w) => ({ accountCache: accountCache(w), rateLimiter: makeMemoryRateLimiter() }));

/** GET /email/logs (shared/logs/). */
export const logsDeps = /* @__PURE__ */ builder((w) => ({
  log: messageLogStore(w),
  retentionHours: w.config.retentionHours,
  cursorSecret: w.config.linkSecret,
}));

/** GET /email/reports (shared/logs/). */
export const reportsDeps = /* @__PURE__ */ builder((w) => ({
  reports: reportStore(w),
  log: messageLogStore(w),
  retentionHours: w.config.retentionHours,
}));

/** Cancelling and moving scheduled sends (shared/scheduled/manage.ts). */
export const scheduledDeps = /* @__PURE__ */ builder((w) => ({
  messages: messageStore(w),
  status: statusService(w),
  deliveryQueue: deliveryQueue(w),
  retentionHours: w.config.retentionHours,
}));

/** The one accept path of both doors (shared/accept/accept.ts). */
export const acceptDeps = /* @__PURE__ */ builder((w) => ({
  accountCache: accountCache(w),
  messages: messageStore(w),
  suppressions: suppressionStore(w),
  bodies: bodyStore(w),
  unitsOfWork: unitsOfWork(w),
  deliveryQueue: deliveryQueue(w),
  status: statusService(w),
  retentionHours: w.config.retentionHours,
  tags: tagStore(w),
  tagsPerAccount: w.config.limits.tagsPerAccount,
  // Both doors look up the stored templates messages name.
  templates: templateStore(w),
}));

/** An HTTP send (the native door and the Infobip door): the caller's key, the accept path, its attachments. */
export const httpSendDeps = /* @__PURE__ */ builder((w) => ({ ...authDeps(w), ...acceptDeps(w), config: w.config, files: fileStore(w) }));

/** Parked webhook records and the webhook outbox, for the replay and the sweeper. */
export const webhookRecordDeps = /* @__PURE__ */ builder((w) => ({ outbox: webhookRecords(w), queue: webhookQueue(w) }));

/** The SMTP door (shared/smtp/server.ts): the accept path, attachments and logins. */
export const smtpDeps = /* @__PURE__ */ builder((w) => ({ ...acceptDeps(w), files: fileStore(w) }));
