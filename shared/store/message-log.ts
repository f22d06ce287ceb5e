// The account's log index (docs/architecture.md, the table): every message of an account, in
// LOG_SHARDS partitions by a hash of its id, each sorted by creation time. A page reads the
// partitions in parallel and merges them newest first, so what one page reads depends on the
// page's size, not on how many messages the account has.
import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Message } from "../domain/message.ts";
import { batchGet, stripKeys, type Item } from "./dynamo.ts";
import { GSI_ACCOUNT_LOG, LOG_SHARDS, keys } from "./keys.ts";

/** The log keys of `[from, below)` (log keys sort by creation time, then id). */
export interface LogRange {
  from: string;
  below: string;
}

interface Shard {
  pk: string;
  /** Fetched, not handed out yet, newest first. */
  buffer: string[];
  /** The oldest key fetched so far: nothing newer is left unfetched in this shard. */
  oldest?: string;
  startKey?: Item;
  exhausted: boolean;
}

export interface LogReader {
  /** Up to `count` more keys, newest first, across all shards; fewer when the read budget ran out. */
  next(count: number): Promise<string[]>;
  /** Nothing is left in the range. */
  readonly done: boolean;
  /** Index entries read so far (what the page cost in the index). */
  readonly keysRead: number;
  readonly queries: number;
}

export function makeMessageLogStore(ddb: DynamoDBDocumentClient, tableName: string) {
  async function fetchShard(shard: Shard, range: LogRange, limit: number) {
    const page = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: GSI_ACCOUNT_LOG,
        // BETWEEN is inclusive: `below` itself is dropped here, it was on the previous page.
        KeyConditionExpression: "logShard = :shard AND logKey BETWEEN :from AND :below",
        ExpressionAttributeValues: { ":shard": shard.pk, ":from": range.from, ":below": range.below },
        ScanIndexForward: false,
        ExclusiveStartKey: shard.startKey,
        Limit: limit,
      }),
    );
    const found = (page.Items ?? []).map((item) => item.logKey as string);
    shard.buffer.push(...found.filter((key) => key < range.below));
    if (found.length) shard.oldest = found[found.length - 1];
    shard.startKey = page.LastEvaluatedKey;
    shard.exhausted = !page.LastEvaluatedKey;
    return found.length;
  }

  return {
    /**
     * Hands out the account's log keys of `range`, newest first. A key is handed out only when no
     * shard can still hold a newer one (every shard not read to its end has been read past it),
     * so pages follow one another without gaps or repeats. `maxKeys` bounds what one reader
     * reads from the index.
     */
    reader(accountId: string, range: LogRange, options: { perShard: number; maxKeys: number }): LogReader {
      const shards: Shard[] = Array.from({ length: LOG_SHARDS }, (_, i) => ({
        pk: keys.logShard(accountId, i),
        buffer: [],
        exhausted: false,
      }));
      let started = false;
      let keysRead = 0;
      let queries = 0;
      const read = async (list: Shard[]) => {
        queries += list.length;
        const counts = await Promise.all(list.map((shard) => fetchShard(shard, range, options.perShard)));
        keysRead += counts.reduce((a, b) => a + b, 0);
      };
      /** Nothing unfetched is newer than this. */
      const horizon = () => {
        const open = shards.filter((s) => !s.exhausted).map((s) => s.oldest ?? "~");
        return open.sort().at(-1) ?? "";
      };

      return {
        get done() {
          return started && shards.every((s) => s.exhausted && s.buffer.length === 0);
        },
        get keysRead() {
          return keysRead;
        },
        get queries() {
          return queries;
        },
        async next(count: number) {
          if (!started) {
            started = true;
            await read(shards);
          }
          const out: string[] = [];
          for (;;) {
            const edge = horizon();
            const ready = shards
              .flatMap((s) => s.buffer.filter((key) => key >= edge).map((key) => ({ key, shard: s })))
              .sort((a, b) => (a.key < b.key ? 1 : -1))
              .slice(0, count - out.length);
            for (const { key, shard } of ready) {
              out.push(key);
              shard.buffer.splice(shard.buffer.indexOf(key), 1);
            }
            if (out.length >= count || shards.every((s) => s.exhausted) || keysRead >= options.maxKeys) return out;
            // Read on only in the shards that could hold one of the next `count - out.length` keys:
            // those not read past the oldest key that would complete the count from what is buffered.
            const buffered = shards.flatMap((s) => s.buffer).sort((a, b) => (a < b ? 1 : -1));
            const target = buffered[count - out.length - 1];
            const behind = shards.filter((s) => !s.exhausted && (target === undefined || (s.oldest ?? "~") > target));
            await read(behind.length ? behind : shards.filter((s) => !s.exhausted));
          }
        },
      };
    },

    /** The messages of these ids, in no particular order; unknown ids are left out. */
    async getMany(messageIds: string[]): Promise<Message[]> {
      const items = await batchGet({ ddb, tableName }, messageIds.map(keys.message));
      return items.map((item) => stripKeys<Message>(item));
    },
  };
}

export type MessageLogStore = ReturnType<typeof makeMessageLogStore>;

/** The message id in a log key. */
export const messageIdOfLogKey = (logKey: string) => logKey.slice(logKey.indexOf("#") + 1);
