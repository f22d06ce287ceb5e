// Key layout of the single table. Every item has pk and sk; two sparse GSIs serve the logs
// (messages of an account by time) and the sweeper (messages still waiting to be sent).
import { createHash } from "node:crypto";

export const GSI_ACCOUNT_MESSAGES = "byAccount";
export const GSI_PENDING = "pending";
/** Partitions of the sweeper's index ("0" to PENDING_SHARDS - 1); the sweeper reads each of them. */
export const PENDING_SHARDS = 4;

/**
 * A waiting message's partition of the sweeper's index: a hash of the whole id, since an id ends
 * with its copy's position (0 for every single-recipient message) and would put them all in one.
 * Items written before this carry a value in the same range, so the sweeper still finds them.
 */
export const pendingShardOf = (messageId: string) => String(createHash("sha1").update(messageId).digest().readUInt32BE(0) % PENDING_SHARDS);

export const keys = {
  account: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: "ACCOUNT" }),
  project: (accountId: string, projectId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `PROJECT#${projectId}` }),
  domain: (accountId: string, domain: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `DOMAIN#${domain}` }),
  sender: (accountId: string, address: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `SENDER#${address}` }),
  apiKey: (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: "APIKEY" }),
  message: (messageId: string) => ({ pk: `MESSAGE#${messageId}`, sk: "MESSAGE" }),
  suppression: (accountId: string, address: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `SUPPRESSION#${address}` }),
  idempotency: (accountId: string, key: string) => ({ pk: `IDEMPOTENCY#${accountId}#${key}`, sk: "IDEMPOTENCY" }),
  rate: (accountId: string, second: number) => ({ pk: `RATE#${accountId}#${second}`, sk: "RATE" }),
};

export const epochSeconds = (ms: number = Date.now()) => Math.floor(ms / 1000);

/** TTL is late on AWS and absent locally, so every read also filters on it. */
export const isLive = (item: { expiresAt?: number } | undefined, now = Date.now()): boolean =>
  !!item && (item.expiresAt === undefined || item.expiresAt > epochSeconds(now));

/** The message id in a message item's partition key (what a keys-only index returns). */
export const messageIdOf = (pk: string) => pk.slice("MESSAGE#".length);
