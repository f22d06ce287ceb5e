// Where every function's dependencies are built, and the only place (docs/architecture.md). One
// context per container: `const w = wiring({ config })`, then each entry asks for what it uses,
// `messageStore(w)`, `authDeps(w)` ... Each builder builds its own dependencies through the other
// builders, once per context, so two builders that need the message store share one. Builders are
// plain functions: an entry that does not call one does not bundle what it would have built.
import { makeDynamoClients, makeS3Client, makeSesClient, makeSqsClient, type AwsClients, type DynamoClients } from "./aws.ts";
import type { Config } from "./config.ts";
import type { StatusListener } from "./domain/status.ts";
import { makeAttachmentLoader, makeFileStore } from "./files/attachments.ts";
import { makeBodyStore } from "./files/bodies.ts";
import { log } from "./log.ts";
import { makeDeliveryQueue } from "./queue/deliveries.ts";
import { makeWebhookQueue } from "./queue/webhooks.ts";
import { makeStatusService } from "./status/status-service.ts";
import { makeAccountCache } from "./store/account-cache.ts";
import { makeAccountStore } from "./store/accounts.ts";
import { makeFileRecordStore } from "./store/file-records.ts";
import { makeIdempotencyStore } from "./store/idempotency.ts";
import { makeInlineBodyStore } from "./store/inline-bodies.ts";
import { makeMessageStore } from "./store/messages.ts";
import { makeRateLimiter } from "./store/rate-limit.ts";
import { makeSuppressionStore } from "./store/suppressions.ts";
import { makeUnitsOfWork } from "./store/unit-of-work.ts";
import { makeWebhookEndpointStore } from "./store/webhook-endpoints.ts";
import { makeWebhookRecordStore } from "./store/webhook-records.ts";
import { makeSesTransport } from "./transport/ses.ts";
import { makeSmtpTransport, type Transport } from "./transport/transport.ts";
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

/** A builder that builds once per context. */
const builder =
  <T>(build: (w: Wiring) => T) =>
  (w: Wiring): T => {
    if (!w.built.has(build)) w.built.set(build, build(w));
    return w.built.get(build) as T;
  };

// --- Clients ---

export const dynamo = builder((w) => w.options.clients?.dynamo ?? makeDynamoClients(w.config));
export const sqs = builder((w) => w.options.clients?.sqs ?? makeSqsClient(w.config));
export const s3 = builder((w) => w.options.clients?.s3 ?? makeS3Client(w.config));
const ddb = (w: Wiring) => dynamo(w).ddb;

// --- DynamoDB repositories ---

export const accountStore = builder((w) => makeAccountStore(ddb(w), w.config.tableName));
export const accountCache = builder((w) => makeAccountCache(accountStore(w)));
export const messageStore = builder((w) => makeMessageStore(ddb(w), w.config.tableName));
export const suppressionStore = builder((w) => makeSuppressionStore(ddb(w), w.config.tableName, { coalesce: w.options.coalesce }));
export const idempotencyStore = builder((w) => makeIdempotencyStore(ddb(w), w.config.tableName));
export const rateLimiter = builder((w) => makeRateLimiter(ddb(w), w.config.tableName));
export const webhookEndpoints = builder((w) => makeWebhookEndpointStore(ddb(w), w.config.tableName));
export const webhookRecords = builder((w) => makeWebhookRecordStore(ddb(w), w.config.tableName));
export const unitsOfWork = builder((w) => makeUnitsOfWork({ ddb: ddb(w), tableName: w.config.tableName }, { coalesce: w.options.coalesce }));

// --- S3 ---

export const bodyStore = builder((w) =>
  makeBodyStore({ s3: s3(w), bucketName: w.config.bucketName, inline: makeInlineBodyStore(ddb(w), w.config.tableName), inlineMaxBytes: w.config.limits.inlineBodyBytes }),
);
export const fileStore = builder((w) => makeFileStore(s3(w), w.config.bucketName, makeFileRecordStore(ddb(w), w.config.tableName)));
export const attachmentLoader = builder((w) => makeAttachmentLoader(s3(w), w.config.bucketName));

// --- SQS ---

export const deliveryQueue = builder((w) => makeDeliveryQueue(sqs(w), w.config.queueUrls.deliveries, { coalesce: w.options.coalesce }));
export const webhookQueue = builder((w) => makeWebhookQueue(sqs(w), w.config.queueUrls.webhooks, webhookRecords(w)));

// --- Mail out ---

export const transport = builder((w): Transport => {
  if (w.options.transport) return w.options.transport;
  const settings = w.config.transport;
  if (settings.kind === "ses") return makeSesTransport(makeSesClient(w.config), settings.configurationSet);
  return makeSmtpTransport({ ...settings, plain: settings.kind === "mailbox" });
});

// --- Statuses ---

/**
 * Who hears about status changes: the webhook listener. Webhooks (and later reports and
 * counters) plug in here, so no handler has to know about them.
 */
export const statusListeners = builder((w): StatusListener[] => {
  if (w.options.listeners) return w.options.listeners;
  if (!w.config.queueUrls.webhooks) {
    // Tools that only read (the admin CLI, scripts) have no queue; an entry point that records statuses must.
    log.warn("WEBHOOKS_QUEUE_URL is not set: status changes will not be posted to webhooks");
    return [];
  }
  return [makeWebhookListener({ endpoints: webhookEndpoints(w), queue: webhookQueue(w), cacheSeconds: w.config.webhooks.endpointCacheSeconds })];
});

export const statusService = builder((w) => makeStatusService({ messages: messageStore(w), suppressions: suppressionStore(w), listeners: statusListeners(w) }));

// --- What features take, assembled ---

/** API key, allowlist and rate limit of the HTTP routes (shared/http/auth.ts). */
export const authDeps = builder((w) => ({ accountCache: accountCache(w), rateLimiter: rateLimiter(w) }));

/** The one accept path of both doors (shared/accept/accept.ts). */
export const acceptDeps = builder((w) => ({
  accountCache: accountCache(w),
  messages: messageStore(w),
  suppressions: suppressionStore(w),
  bodies: bodyStore(w),
  unitsOfWork: unitsOfWork(w),
  deliveryQueue: deliveryQueue(w),
  status: statusService(w),
  retentionHours: w.config.retentionHours,
}));

/** The delivery worker (shared/deliver/deliver-message.ts). */
export const deliverDeps = builder((w) => ({
  config: w.config,
  messages: messageStore(w),
  accountCache: accountCache(w),
  bodies: bodyStore(w),
  status: statusService(w),
  deliveryQueue: deliveryQueue(w),
  transport: transport(w),
  loadAttachments: attachmentLoader(w),
}));

/** Parked webhook records and the webhook outbox, for the replay and the sweeper. */
export const webhookRecordDeps = builder((w) => ({ outbox: webhookRecords(w), queue: webhookQueue(w) }));

/** The SMTP door (shared/smtp/server.ts): the accept path, attachments and logins. */
export const smtpDeps = builder((w) => ({ ...acceptDeps(w), files: fileStore(w) }));
