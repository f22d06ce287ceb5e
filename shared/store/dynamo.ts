// The DynamoDB mechanics every repository of this folder shares: batch writes and batch gets
// that retry what DynamoDB left unprocessed (with backoff and jitter), queries read to the end,
// and conditional writes whose failed condition is an answer rather than an error.
import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { untilAllDone } from "../lib/backoff.ts";
import { chunk } from "../lib/chunk.ts";
import type { ItemKey } from "./keys.ts";

export type Item = Record<string, unknown>;
export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

export const BATCH_WRITE_MAX = 25;
export const BATCH_GET_MAX = 100;
/** Under load DynamoDB may leave part of a batch unprocessed: it is sent again this many times in all. */
const BATCH_ATTEMPTS = 8;
const BATCH_BACKOFF_MS = 50;

export interface Table {
  ddb: DynamoDBDocumentClient;
  tableName: string;
}

/** Writes the requests in batches of 25 at once, each until DynamoDB processed all of it. */
export async function batchWrite(table: Table, requests: WriteRequest[]): Promise<void> {
  await Promise.all(
    chunk(requests, BATCH_WRITE_MAX).map((batch) =>
      untilAllDone(
        batch,
        async (pending) => {
          const result = await table.ddb.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: pending } }));
          return (result.UnprocessedItems?.[table.tableName] ?? []) as WriteRequest[];
        },
        { attempts: BATCH_ATTEMPTS, baseMs: BATCH_BACKOFF_MS, what: "DynamoDB writes" },
      ),
    ),
  );
}

export const putAll = (table: Table, items: Item[]) =>
  batchWrite(
    table,
    items.map((Item) => ({ PutRequest: { Item } })),
  );

/** Deletes by key; a key given twice is deleted once (DynamoDB refuses a batch that names one twice). */
export const deleteAll = (table: Table, keys: ItemKey[]) =>
  batchWrite(
    table,
    unique(keys).map((Key) => ({ DeleteRequest: { Key: Key as unknown as Item } })),
  );

/** The items found for these keys, in no particular order; a key given twice is read once. */
export async function batchGet(table: Table, keys: ItemKey[], options: { consistent?: boolean } = {}): Promise<Item[]> {
  const found: Item[] = [];
  await Promise.all(
    chunk(unique(keys), BATCH_GET_MAX).map((batch) =>
      untilAllDone(
        batch as unknown as Item[],
        async (pending) => {
          const result = await table.ddb.send(
            new BatchGetCommand({
              RequestItems: { [table.tableName]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) } },
            }),
          );
          found.push(...(result.Responses?.[table.tableName] ?? []));
          return result.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
        },
        { attempts: BATCH_ATTEMPTS, baseMs: BATCH_BACKOFF_MS, what: "DynamoDB reads" },
      ),
    ),
  );
  return found;
}

/** Every item the query matches, page after page, or the first `limit` of them. */
export async function queryAll(
  table: Table,
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
  limit = Infinity,
): Promise<Item[]> {
  const found: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await table.ddb.send(new QueryCommand({ ...input, TableName: table.tableName, ExclusiveStartKey: startKey }));
    found.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && found.length < limit);
  return found.slice(0, limit);
}

export const isConditionFailure = (error: unknown): boolean => (error as { name?: string })?.name === "ConditionalCheckFailedException";

/**
 * A conditional write: its result, or undefined when the condition did not hold (the item was
 * already there, already changed, already gone). Any other failure is thrown.
 */
export async function ifConditionHolds<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** An item without its table keys. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

const unique = (keys: ItemKey[]) => [...new Map(keys.map((key) => [`${key.pk}\n${key.sk}`, key])).values()];
