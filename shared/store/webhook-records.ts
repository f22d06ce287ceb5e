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
import { BatchWriteCommand, DeleteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { chunk, untilProcessed } from "./dynamo.ts";
import { epochSeconds, isLive } from "./keys.ts";
import { isConditionFailure } from "./messages.ts";
import { timeKey } from "./suppressions.ts";
import type { WebhookJob } from "../domain/webhook.ts";
import type { ItemKey } from "../domain/webhook.ts";

export const WEBHOOK_SHARDS = 8;
const OUTBOX_PREFIX = "WEBHOOK_OUTBOX#";
const PARKED_PREFIX = "WEBHOOK_PARKED#";
/** As long as the dead-letter queue kept parked records before they moved here. */
const KEEP_DAYS = 14;
const BATCH_WRITE_MAX = 25;

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

const shardOfText = (text: string) => [...text].reduce((sum, c) => sum + c.charCodeAt(0), 0) % WEBHOOK_SHARDS;
const outboxPk = (shard: number) => `${OUTBOX_PREFIX}${shard}`;
const parkedPk = (accountId: string) => `${PARKED_PREFIX}${shardOfText(accountId)}`;
const recordId = () => randomBytes(9).toString("base64url");

/** A key in the body of a queued record must be an outbox key: nothing else is ever deleted by it. */
export const isOutboxKey = (key: unknown): key is ItemKey =>
  typeof (key as ItemKey)?.pk === "string" && (key as ItemKey).pk.startsWith(OUTBOX_PREFIX) && typeof (key as ItemKey).sk === "string";

/** The job as stored: without its queue-only outbox key. */
const bodyOf = ({ outbox: _outbox, ...job }: WebhookJob) => JSON.stringify(job);

export function makeWebhookOutbox(ddb: DynamoDBDocumentClient, tableName: string) {
  async function batchWrite(requests: Record<string, unknown>[]) {
    await Promise.all(
      chunk(requests, BATCH_WRITE_MAX).map((batch) =>
        untilProcessed(batch, async (pending) => {
          const result = await ddb.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          return (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }),
      ),
    );
  }

  async function remove(keys: ItemKey[]) {
    // A record the sweeper sent again can meet its first copy in one batch: one key once, or DynamoDB refuses the call.
    const unique = [...new Map(keys.map((key) => [`${key.pk} ${key.sk}`, key])).values()];
    await batchWrite(unique.map((Key) => ({ DeleteRequest: { Key } })));
  }

  return {
    /** Writes one item per record and returns the records with their keys, ready for the queue. */
    async add(jobs: WebhookJob[], now = Date.now()): Promise<WebhookJob[]> {
      const queued = jobs.map((job) => {
        const id = recordId();
        return { ...job, outbox: { pk: outboxPk(shardOfText(id)), sk: `${timeKey(now)}#${id}` } };
      });
      const expiresAt = epochSeconds(now) + KEEP_DAYS * 86_400;
      await batchWrite(queued.map((job) => ({ PutRequest: { Item: { ...job.outbox, kind: "webhookOutbox", body: bodyOf(job), expiresAt } } })));
      return queued;
    },

    /** The records are done with: posted, dropped, or parked. */
    remove,

    /** Records of one partition written before `before` and not sent again by the sweeper since then. */
    async listOverdue(shard: number, before: number, now = Date.now(), limit = 500): Promise<OutboxEntry[]> {
      const found: OutboxEntry[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await ddb.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "pk = :pk AND sk < :before",
            FilterExpression: "attribute_not_exists(sweptAt) OR sweptAt < :beforeMs",
            ExpressionAttributeValues: { ":pk": outboxPk(shard), ":before": timeKey(before), ":beforeMs": before },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        for (const item of page.Items ?? []) {
          if (!isLive(item as { expiresAt?: number }, now)) continue;
          found.push({ key: { pk: item.pk, sk: item.sk }, job: JSON.parse(item.body as string) as WebhookJob, sweeps: Number(item.sweeps ?? 0) });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length < limit);
      return found.slice(0, limit);
    },

    /** Notes that the sweeper sent the record again; false when it was done with in the meantime. */
    async markSwept(key: ItemKey, now = Date.now()): Promise<boolean> {
      try {
        await ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: "SET sweptAt = :now ADD sweeps :one",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":now": now, ":one": 1 },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    /**
     * Moves records to their accounts' parked lists: the parked items first, then the outbox
     * items go, so a crash in between leaves a record in both places (sent twice at worst), never
     * in neither.
     */
    async park(records: { job: WebhookJob; reason: string }[], now = Date.now()) {
      const expiresAt = epochSeconds(now) + KEEP_DAYS * 86_400;
      await batchWrite(
        records.map(({ job, reason }) => ({
          PutRequest: {
            Item: {
              pk: parkedPk(job.accountId),
              sk: `${job.accountId}#${timeKey(now)}#${recordId()}`,
              kind: "webhookParked",
              body: bodyOf(job),
              parkedAt: now,
              reason: reason.slice(0, 1000),
              expiresAt,
            },
          },
        })),
      );
      await remove(records.flatMap(({ job }) => (job.outbox ? [job.outbox] : [])));
    },

    /** One page of an account's parked records (or of one partition, for the operator's replay of every account), oldest first. */
    async listParked(scope: { accountId: string } | { shard: number }, startKey?: Record<string, unknown>, limit = BATCH_WRITE_MAX, now = Date.now()): Promise<ParkedPage> {
      const byAccount = "accountId" in scope;
      const page = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: byAccount ? "pk = :pk AND begins_with(sk, :account)" : "pk = :pk",
          ExpressionAttributeValues: byAccount ? { ":pk": parkedPk(scope.accountId), ":account": `${scope.accountId}#` } : { ":pk": `${PARKED_PREFIX}${scope.shard}` },
          ExclusiveStartKey: startKey,
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      const entries = (page.Items ?? [])
        .filter((item) => isLive(item as { expiresAt?: number }, now))
        .map((item) => ({ key: { pk: item.pk, sk: item.sk }, job: JSON.parse(item.body as string) as WebhookJob, parkedAt: Number(item.parkedAt) }));
      return { entries, next: page.LastEvaluatedKey };
    },

    /** Takes a parked record off its list; false when another replay took it first. */
    async takeParked(key: ItemKey): Promise<boolean> {
      try {
        await ddb.send(new DeleteCommand({ TableName: tableName, Key: key, ConditionExpression: "attribute_exists(pk)" }));
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}

export type WebhookOutbox = ReturnType<typeof makeWebhookOutbox>;
