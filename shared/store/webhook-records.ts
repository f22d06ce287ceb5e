// Webhook records in DynamoDB, so that no status change's webhook depends on the queue alone.
//
// The outbox: every record sent to the webhooks queue is first written here, and removed when
// the consumer is done with it (posted, dropped, or parked). What a crash or the in-memory local
// queue loses is still here, and the sweeper sends it again (shared/webhooks/sweep.ts). Only
// status changes that have somewhere to go make a record, so a message without a webhook URL or
// callbackUrl costs nothing here. Items are spread over a few partitions, each in time order,
// so the sweeper finds the old ones with one query per partition.
//
// Parked records: a record whose every attempt failed moves to its account's parked list, where
// POST /webhooks/replay finds it. One account's records sit together under its own sort-key
// prefix, so a replay reads and takes only the caller's records. Neither kind of item has the
// attributes of an index key, so neither costs an index write.
import { randomBytes } from "node:crypto";
import { DeleteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BATCH_WRITE_MAX, deleteAll, ifConditionHolds, putAll, queryAll } from "./dynamo.ts";
import { epochSeconds, isLive, keys, timeKey, WEBHOOK_OUTBOX_PREFIX, WEBHOOK_SHARDS } from "./keys.ts";
import type { WebhookJob } from "../domain/webhook.ts";
import type { ItemKey } from "../domain/webhook.ts";

export { WEBHOOK_SHARDS };
/** As long as the dead-letter queue kept parked records before they moved here. */
const KEEP_DAYS = 14;

export interface OutboxEntry {
  key: ItemKey;
  job: WebhookJob;
  /** How many times the sweeper sent this record again. */
  sweeps: number;
}

export interface ParkedEntry {
  key: ItemKey;
  job: WebhookJob;
  parkedAt: number;
}

export interface ParkedPage {
  entries: ParkedEntry[];
  /** Where the next page starts; absent after the last one. */
  next?: Record<string, unknown>;
}

const recordId = () => randomBytes(9).toString("base64url");

/** A key in the body of a queued record must be an outbox key: nothing else is ever deleted by it. */
export const isOutboxKey = (key: unknown): key is ItemKey =>
  typeof (key as ItemKey)?.pk === "string" &&
  (key as ItemKey).pk.startsWith(WEBHOOK_OUTBOX_PREFIX) &&
  typeof (key as ItemKey).sk === "string";

/** The job as stored: without its queue-only outbox key. */
const bodyOf = ({ outbox: _outbox, ...job }: WebhookJob) => JSON.stringify(job);

export function makeWebhookRecordStore(ddb: DynamoDBDocumentClient, tableName: string) {
  const table = { ddb, tableName };
  /** A record the sweeper sent again can meet its first copy in one batch: deleteAll deletes a key once. */
  const remove = (keys: ItemKey[]) => deleteAll(table, keys);

  return {
    /** Writes one item per record and returns the records with their keys, ready for the queue. */
    async add(jobs: WebhookJob[], now = Date.now()): Promise<WebhookJob[]> {
      const queued = jobs.map((job) => ({ ...job, outbox: keys.webhookOutbox(recordId(), now) }));
      const expiresAt = epochSeconds(now) + KEEP_DAYS * 86_400;
      await putAll(
        table,
        queued.map((job) => ({ ...job.outbox, kind: "webhookOutbox", body: bodyOf(job), expiresAt })),
      );
      return queued;
    },

    /** The records are done with: posted, dropped, or parked. */
    remove,

    /** Records of one partition written before `before` and not sent again by the sweeper since then. */
    async listOverdue(shard: number, before: number, now = Date.now(), limit = 500): Promise<OutboxEntry[]> {
      const items = await queryAll(
        table,
        {
          KeyConditionExpression: "pk = :pk AND sk < :before",
          FilterExpression: "attribute_not_exists(sweptAt) OR sweptAt < :beforeMs",
          ExpressionAttributeValues: { ":pk": keys.webhookOutboxShard(shard), ":before": timeKey(before), ":beforeMs": before },
          ConsistentRead: true,
        },
        limit,
      );
      return items
        .filter((item) => isLive(item as { expiresAt?: number }, now))
        .map((item) => ({
          key: { pk: item.pk as string, sk: item.sk as string },
          job: JSON.parse(item.body as string) as WebhookJob,
          sweeps: Number(item.sweeps ?? 0),
        }));
    },

    /** Notes that the sweeper sent the record again; false when it was done with in the meantime. */
    async markSwept(key: ItemKey, now = Date.now()): Promise<boolean> {
      const updated = await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: "SET sweptAt = :now ADD sweeps :one",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":now": now, ":one": 1 },
          }),
        ),
      );
      return updated !== undefined;
    },

    /**
     * Moves records to their accounts' parked lists: the parked items first, then the outbox
     * items go, so a crash in between leaves a record in both places (sent twice at worst), never
     * in neither.
     */
    async park(records: { job: WebhookJob; reason: string }[], now = Date.now()) {
      const expiresAt = epochSeconds(now) + KEEP_DAYS * 86_400;
      await putAll(
        table,
        records.map(({ job, reason }) => ({
          ...keys.webhookParked(job.accountId, now, recordId()),
          kind: "webhookParked",
          body: bodyOf(job),
          parkedAt: now,
          reason: reason.slice(0, 1000),
          expiresAt,
        })),
      );
      await remove(records.flatMap(({ job }) => (job.outbox ? [job.outbox] : [])));
    },

    /** One page of an account's parked records (or of one partition, for the operator's replay of every account), oldest first. */
    async listParked(
      scope: { accountId: string } | { shard: number },
      startKey?: Record<string, unknown>,
      limit = BATCH_WRITE_MAX,
      now = Date.now(),
    ): Promise<ParkedPage> {
      const byAccount = "accountId" in scope;
      const page = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: byAccount ? "pk = :pk AND begins_with(sk, :account)" : "pk = :pk",
          ExpressionAttributeValues: byAccount
            ? { ":pk": keys.webhookParkedOfAccount(scope.accountId).pk, ":account": keys.webhookParkedOfAccount(scope.accountId).skPrefix }
            : { ":pk": keys.webhookParkedShard(scope.shard) },
          ExclusiveStartKey: startKey,
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      const entries = (page.Items ?? [])
        .filter((item) => isLive(item as { expiresAt?: number }, now))
        .map((item) => ({
          key: { pk: item.pk, sk: item.sk },
          job: JSON.parse(item.body as string) as WebhookJob,
          parkedAt: Number(item.parkedAt),
        }));
      return { entries, next: page.LastEvaluatedKey };
    },

    /** Takes a parked record off its list; false when another replay took it first. */
    async takeParked(key: ItemKey): Promise<boolean> {
      const deleted = await ifConditionHolds(
        ddb.send(new DeleteCommand({ TableName: tableName, Key: key, ConditionExpression: "attribute_exists(pk)" })),
      );
      return deleted !== undefined;
    },
  };
}

export type WebhookRecordStore = ReturnType<typeof makeWebhookRecordStore>;
