// The account's suppression list: addresses that must not be mailed (SPEC §6, §7).
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { suppressionKey } from "../domain/address.ts";
import { chunk, untilProcessed } from "./batch.ts";
import { keys } from "./keys.ts";

export type SuppressionCause = "unsubscribed" | "hard_bounce" | "complaint" | "manual";

export interface Suppression {
  address: string;
  cause: SuppressionCause;
  createdAt: number;
  causeMessageId?: string;
  reason?: string;
}

const BATCH_GET_MAX = 100;

export function makeSuppressionStore(ddb: DynamoDBDocumentClient, tableName: string) {
  return {
    async add(accountId: string, entry: Omit<Suppression, "createdAt" | "address"> & { address: string }, now = Date.now()) {
      const address = suppressionKey(entry.address);
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.suppression(accountId, address), ...entry, address, createdAt: now, kind: "suppression" },
        }),
      );
    },

    async get(accountId: string, address: string): Promise<Suppression | undefined> {
      const result = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.suppression(accountId, suppressionKey(address)) }));
      return result.Item as Suppression | undefined;
    },

    async remove(accountId: string, address: string) {
      await ddb.send(new DeleteCommand({ TableName: tableName, Key: keys.suppression(accountId, suppressionKey(address)) }));
    },

    /** Which of these addresses are suppressed, looked up in batches of 100. */
    async findSuppressed(accountId: string, addresses: string[]): Promise<Set<string>> {
      const unique = [...new Set(addresses.map(suppressionKey))];
      const found = new Set<string>();
      await Promise.all(
        chunk(unique, BATCH_GET_MAX).map((addresses) =>
          untilProcessed(
            addresses.map((address) => keys.suppression(accountId, address) as Record<string, unknown>),
            async (pending) => {
              const result = await ddb.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
              for (const item of result.Responses?.[tableName] ?? []) found.add(item.address);
              return result.UnprocessedKeys?.[tableName]?.Keys ?? [];
            },
          ),
        ),
      );
      return found;
    },
  };
}

export type SuppressionStore = ReturnType<typeof makeSuppressionStore>;
