// Per-account request rate over the HTTP API: a fixed one-second window counted in DynamoDB,
// so the limit holds across every Lambda container.
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { epochSeconds, keys } from "./keys.ts";
import { isConditionFailure } from "./messages.ts";

export const DEFAULT_RATE_PER_SECOND = 2000;

export function makeRateLimiter(ddb: DynamoDBDocumentClient, tableName: string) {
  return {
    /** True when the request fits in this second's budget; counts it if so. */
    async tryTake(accountId: string, limitPerSecond: number, now = Date.now()): Promise<boolean> {
      const second = epochSeconds(now);
      try {
        await ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.rate(accountId, second),
            UpdateExpression: "ADD hits :one SET expiresAt = :expires",
            ConditionExpression: "attribute_not_exists(hits) OR hits < :limit",
            ExpressionAttributeValues: { ":one": 1, ":limit": limitPerSecond, ":expires": second + 60 },
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
