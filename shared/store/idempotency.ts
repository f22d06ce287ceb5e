// Idempotency-Key (docs/http-api.md): the same key and body within 24 hours returns the first response
// and sends nothing again. A key is claimed with a conditional write before any work starts, so
// two concurrent retries cannot both send.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { epochSeconds, isLive, keys } from "./keys.ts";
import { isConditionFailure } from "./dynamo.ts";

const WINDOW_SECONDS = 24 * 60 * 60;

export type IdempotencyClaim =
  | { state: "new" }
  | { state: "replay"; statusCode: number; body: string }
  | { state: "in_progress" }
  | { state: "mismatch" };

export function makeIdempotencyStore(ddb: DynamoDBDocumentClient, tableName: string) {
  return {
    async claim(accountId: string, key: string, requestHash: string, now = Date.now()): Promise<IdempotencyClaim> {
      try {
        await ddb.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.idempotency(accountId, key), requestHash, state: "in_progress", expiresAt: epochSeconds(now) + WINDOW_SECONDS },
            // An expired record (TTL not yet applied) may be taken over.
            ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
            ExpressionAttributeValues: { ":now": epochSeconds(now) },
          }),
        );
        return { state: "new" };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const existing = (
        await ddb.send(new GetCommand({ TableName: tableName, Key: keys.idempotency(accountId, key), ConsistentRead: true }))
      ).Item;
      if (!isLive(existing, now)) return { state: "in_progress" }; // expired between the two calls; the client may retry
      if (existing!.requestHash !== requestHash) return { state: "mismatch" };
      if (existing!.state !== "done") return { state: "in_progress" };
      return { state: "replay", statusCode: existing!.statusCode, body: existing!.body };
    },

    async complete(accountId: string, key: string, statusCode: number, body: string) {
      await ddb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.idempotency(accountId, key),
          UpdateExpression: "SET #state = :done, statusCode = :code, body = :body",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":done": "done", ":code": statusCode, ":body": body },
        }),
      );
    },

    /** The request failed without accepting anything: free the key so a retry can run. */
    async release(accountId: string, key: string) {
      await ddb.send(new DeleteCommand({ TableName: tableName, Key: keys.idempotency(accountId, key) }));
    },
  };
}

export type IdempotencyStore = ReturnType<typeof makeIdempotencyStore>;
