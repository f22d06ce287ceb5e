// Per-account request rate over the HTTP API: a fixed one-second window counted in DynamoDB,
// so the limit holds across every Lambda container.
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { epochSeconds, keys } from "./keys.ts";
import { isConditionFailure } from "./messages.ts";

export const DEFAULT_RATE_PER_SECOND = 2000;

// One counter per account-second is one hot item: DynamoDB takes at most 1,000 writes a second on
// an item (below the default limit), and every request of that second queues on it. Above
// REQUESTS_PER_SHARD the second's budget is split over counters picked at random; small limits
// keep a single, exact counter.
const REQUESTS_PER_SHARD = 200;
const MAX_SHARDS = 10;

export function makeRateLimiter(ddb: DynamoDBDocumentClient, tableName: string) {
  return {
    /** True when the request fits in this second's budget; counts it if so. */
    async tryTake(accountId: string, limitPerSecond: number, now = Date.now()): Promise<boolean> {
      const second = epochSeconds(now);
      const shards = Math.min(MAX_SHARDS, Math.ceil(limitPerSecond / REQUESTS_PER_SHARD));
      const shard = Math.floor(Math.random() * shards);
      const key = keys.rate(accountId, second);
      if (shard > 0) key.pk += `#${shard}`;
      try {
        await ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: "ADD hits :one SET expiresAt = :expires",
            ConditionExpression: "attribute_not_exists(hits) OR hits < :limit",
            ExpressionAttributeValues: { ":one": 1, ":limit": Math.ceil(limitPerSecond / shards), ":expires": second + 60 },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof makeRateLimiter>;
