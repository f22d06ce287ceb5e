// Key layout of the single table, every item family in one place. Every item has pk and sk; three
// sparse GSIs serve the logs (messages of an account by time), the delivery reports (messages
// whose report is unread) and the sweeper (messages by due time, from accept until they expire).
// docs/architecture.md draws the layout.
import { hash } from "node:crypto";
import type { ItemKey } from "../domain/webhook.ts";

export const GSI_ACCOUNT_LOG = "accountLog";
export const GSI_REPORTS = "reports";
export const GSI_PENDING = "pending";
/**
 * Partitions of the sweeper's index ("0" to PENDING_SHARDS - 1); the sweeper reads each of them.
 * Each message writes its index entry once (at accept; it stays once sent), and one partition key
 * takes at most 1,000 writes a second: 64 keys carry 10,000 messages a second at about a sixth
 * of that (docs/architecture.md, "Keys that scale").
 */
export const PENDING_SHARDS = 64;

/**
 * A waiting message's partition of the sweeper's index: a hash of the whole id, since an id ends
 * with its copy's position (0 for every single-recipient message) and would put them all in one.
 * Items written with fewer shards carry a value in today's range, so the sweeper still finds them.
 */
export const pendingShardOf = (messageId: string) => String(hashShard(messageId, PENDING_SHARDS));

/** A stable partition number in [0, shards) for a text (a message id, an account id). One-shot hash: no Hash object per call. */
export const hashShard = (text: string, shards: number) => hash("sha1", text, "buffer").readUInt32BE(0) % shards;

/**
 * Partitions of an account's log index and of its unread reports. A message adds one entry to
 * each (the report entry when it reaches its final status); at 10,000 messages a second for one
 * account that is 10,000 index writes a second, and a partition takes about 1,000: sixteen give
 * room to spare (docs/architecture.md, the arithmetic).
 */
export const LOG_SHARDS = 16;
export const REPORT_SHARDS = 16;
/** Copies of each hour's counters of one account and slice; a writer picks one at random. */
export const COUNTER_SHARDS = 16;
/** Partitions of the list of slices to roll up for a day. */
const ROLLUP_SHARDS = 8;
/**
 * Scheduled messages not yet handed to the queue wait in partitions of their own in the same
 * index (the same shards, with this prefix), by send time: the sweeper reads only what is due
 * soon, and moves each message to its ordinary partition once its delivery job is queued.
 */
export const SCHEDULED_SHARD_PREFIX = "scheduled#";
export const scheduledShardOf = (messageId: string) => `${SCHEDULED_SHARD_PREFIX}${pendingShardOf(messageId)}`;
/** The scheduled partition beside ordinary partition `shard`. */
export const scheduledShard = (shard: string) => `${SCHEDULED_SHARD_PREFIX}${shard}`;

export type { ItemKey };

/** Epoch milliseconds padded so that text order is time order. */
export const timeKey = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(13, "0");

const ACCOUNT = (accountId: string) => `ACCOUNT#${accountId}`;

/** Sort-key prefixes of the item families kept in an account's partition. */
export const ACCOUNT_PREFIXES = {
  domain: "DOMAIN#",
  webhook: "WEBHOOK#",
  template: "TEMPLATE#",
  project: "PROJECT#",
  apiKey: "KEY#",
} as const;

/** The partition of the sending-domain registry (keys.sendingDomainEntry). */
export const SENDING_DOMAINS = "SENDING_DOMAINS";
/** The rate budget of sends to SES, shared by every delivery worker; "#" never occurs in an account id. */
export const SES_SEND_RATE_BUCKET = "#ses";

/** Copies of a submission one unsubscribe ticket item serves. */
export const TICKET_CHUNK = 1000;
/** Partitions of the webhook outbox (and of the parked records, by account). */
export const WEBHOOK_SHARDS = 8;
export const WEBHOOK_OUTBOX_PREFIX = "WEBHOOK_OUTBOX#";
const WEBHOOK_PARKED_PREFIX = "WEBHOOK_PARKED#";
const shardOfText = (text: string) => [...text].reduce((sum, c) => sum + c.charCodeAt(0), 0) % WEBHOOK_SHARDS;

/** Where a body kept in DynamoDB lives; its bodyKey starts with INLINE_BODY_PREFIX. */
export const INLINE_BODY_PREFIX = "inline/";

export const keys = {
  account: (accountId: string) => ({ pk: ACCOUNT(accountId), sk: "ACCOUNT" }),
  project: (accountId: string, projectId: string) => ({ pk: ACCOUNT(accountId), sk: `${ACCOUNT_PREFIXES.project}${projectId}` }),
  /** Kept in the account's partition, so another account's template id is simply not found. */
  template: (accountId: string, templateId: string) => ({ pk: ACCOUNT(accountId), sk: `${ACCOUNT_PREFIXES.template}${templateId}` }),
  /** One item per distinct tag an account has used, and the count of them. */
  tag: (accountId: string, tag: string) => ({ pk: ACCOUNT(accountId), sk: `TAG#${tag}` }),
  tagCount: (accountId: string) => ({ pk: ACCOUNT(accountId), sk: "TAGS" }),
  domain: (accountId: string, domain: string) => ({ pk: ACCOUNT(accountId), sk: `${ACCOUNT_PREFIXES.domain}${domain}` }),
  sender: (accountId: string, address: string) => ({ pk: ACCOUNT(accountId), sk: `SENDER#${address}` }),
  /** Every sending domain with DNS records, in one partition: what the daily re-check reads. */
  sendingDomainEntry: (accountId: string, domain: string) => ({ pk: SENDING_DOMAINS, sk: `${accountId}#${domain}` }),
  /** Which account a domain verified for: another account may not add it. */
  domainOwner: (domain: string) => ({ pk: `DOMAIN_OWNER#${domain}`, sk: "OWNER" }),
  apiKey: (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: "APIKEY" }),
  /** What the account sees of one of its keys (never the key), so it can list and revoke them. */
  apiKeyRecord: (accountId: string, keyId: string) => ({ pk: ACCOUNT(accountId), sk: `${ACCOUNT_PREFIXES.apiKey}${keyId}` }),
  message: (messageId: string) => ({ pk: `MESSAGE#${messageId}`, sk: "MESSAGE" }),
  suppression: (accountId: string, address: string) => ({ pk: ACCOUNT(accountId), sk: `SUPPRESSION#${address}` }),
  /** The suppression list by time: one list item per entry, beside the entry keyed by address. */
  suppressionList: (accountId: string) => `SUPPRESSIONS#${accountId}`,
  suppressionListItem: (accountId: string, createdAt: number, address: string) => ({
    pk: `SUPPRESSIONS#${accountId}`,
    sk: `${timeKey(createdAt)}#${address}`,
  }),
  /** One ticket item per TICKET_CHUNK copies of a submission. */
  unsubscribeTicket: (submissionId: string, position: number) => ({
    pk: `UNSUBSCRIBE#${submissionId}`,
    sk: `COPIES#${Math.floor(position / TICKET_CHUNK)}`,
  }),
  /** Tickets of messages accepted before tickets were kept per submission: one per message. */
  singleUnsubscribeTicket: (messageId: string) => ({ pk: `UNSUBSCRIBE#${messageId}`, sk: "UNSUBSCRIBE" }),
  idempotency: (accountId: string, key: string) => ({ pk: `IDEMPOTENCY#${accountId}#${key}`, sk: "IDEMPOTENCY" }),
  /** One second's counter of a rate budget (shared/store/rate-limit.ts): an account's requests, or SES_SEND_RATE_BUCKET. */
  rate: (bucket: string, second: number) => ({ pk: `RATE#${bucket}#${second}`, sk: "RATE" }),
  webhookEndpoint: (accountId: string, webhookId: string) => ({ pk: ACCOUNT(accountId), sk: `${ACCOUNT_PREFIXES.webhook}${webhookId}` }),
  /** Outbox items are spread over WEBHOOK_SHARDS partitions, each in time order. */
  webhookOutbox: (id: string, at: number) => ({ pk: `${WEBHOOK_OUTBOX_PREFIX}${shardOfText(id)}`, sk: `${timeKey(at)}#${id}` }),
  webhookOutboxShard: (shard: number) => `${WEBHOOK_OUTBOX_PREFIX}${shard}`,
  /** An account's parked records sit together under its own sort-key prefix. */
  webhookParked: (accountId: string, at: number, id: string) => ({
    pk: `${WEBHOOK_PARKED_PREFIX}${shardOfText(accountId)}`,
    sk: `${accountId}#${timeKey(at)}#${id}`,
  }),
  webhookParkedOfAccount: (accountId: string) => ({ pk: `${WEBHOOK_PARKED_PREFIX}${shardOfText(accountId)}`, skPrefix: `${accountId}#` }),
  webhookParkedShard: (shard: number) => `${WEBHOOK_PARKED_PREFIX}${shard}`,
  /** Kept in the account's partition, so another account's id is simply not found. */
  fileRecord: (accountId: string, fileId: string) => ({ pk: ACCOUNT(accountId), sk: `FILE#${fileId}` }),
  inlineBody: (bodyKey: string) => ({ pk: `BODY#${bodyKey.slice(INLINE_BODY_PREFIX.length)}`, sk: "BODY" }),

  /** A message's entry in its account's log index: partition by a hash of the id, sorted by creation time. */
  logEntry: (accountId: string, messageId: string, createdAt: number) => ({
    logShard: `${accountId}#${hashShard(messageId, LOG_SHARDS)}`,
    logKey: `${timeKey(createdAt)}#${messageId}`,
  }),
  logShard: (accountId: string, shard: number) => `${accountId}#${shard}`,
  /** A message's entry in the index of unread reports, while its report is unread. */
  reportEntry: (accountId: string, messageId: string, doneAt: number) => ({
    reportShard: `${accountId}#${hashShard(messageId, REPORT_SHARDS)}`,
    reportKey: `${timeKey(doneAt)}#${messageId}`,
  }),
  reportShard: (accountId: string, shard: number) => `${accountId}#${shard}`,

  /** One shard of one hour's counters of a slice (an account, project or tag): written with ADD. */
  counterHour: (accountId: string, shard: number, dimension: string, hour: string) => ({
    pk: `STATS#${accountId}#${shard}`,
    sk: `${dimension}#H#${hour}`,
  }),
  counterHourShard: (accountId: string, shard: number) => `STATS#${accountId}#${shard}`,
  counterHourPrefix: (dimension: string) => `${dimension}#H#`,
  /** A closed day (with its hours) and a closed month of a slice, written once by the rollup. */
  counterDay: (accountId: string, dimension: string, day: string) => ({ pk: `STATS#${accountId}`, sk: `${dimension}#D#${day}` }),
  counterMonth: (accountId: string, dimension: string, month: string) => ({ pk: `STATS#${accountId}`, sk: `${dimension}#M#${month}` }),
  counterRolled: (accountId: string) => `STATS#${accountId}`,
  counterDayPrefix: (dimension: string) => `${dimension}#D#`,
  counterMonthPrefix: (dimension: string) => `${dimension}#M#`,
  /** "This slice has counters on this day": what the rollup of the day works through. */
  rollupMark: (day: string, accountId: string, dimension: string) => ({
    pk: `STATS_OPEN#${day}#${hashShard(accountId, ROLLUP_SHARDS)}`,
    sk: `${accountId}#${dimension}`,
  }),
  rollupMarkShards: (day: string) => Array.from({ length: ROLLUP_SHARDS }, (_, p) => `STATS_OPEN#${day}#${p}`),
  /** How far the sweeper has read each partition of the `pending` index (shared/deliver/sweep.ts). */
  sweepMarks: () => ({ pk: "SWEEP", sk: "PENDING" }),
  /** The last day every slice's counters were rolled up to. */
  rollupState: () => ({ pk: "STATS_ROLLUP", sk: "STATE" }),
};

export const epochSeconds = (ms: number = Date.now()) => Math.floor(ms / 1000);

/** TTL is late on AWS and absent locally, so every read also filters on it. */
export const isLive = (item: { expiresAt?: number } | undefined, now = Date.now()): boolean =>
  !!item && (item.expiresAt === undefined || item.expiresAt > epochSeconds(now));

/** The message id in a message item's partition key (what a keys-only index returns). */
export const messageIdOf = (pk: string) => pk.slice("MESSAGE#".length);
