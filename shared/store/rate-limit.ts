// A rate budget shared by every Lambda container: a fixed one-second window counted in DynamoDB.
// Two budgets use it: each account's requests over the HTTP API (bucket: the account id), and the
// sends to SES of all delivery workers together (shared/deliver/send-pacing.ts).
//
// A container does not write the counter for every request: it leases tokens from the second's
// budget in blocks that start at a hundredth of the limit and double while it keeps needing more
// (20, 40, 80, 160, then 200 at a time for the default 2,000), and spends them locally. A
// container serving 50 requests a second writes twice instead of 50 times, and no counter item
// gets more writes a second than DynamoDB allows on one item. Tokens leased and not spent by the
// end of the second are lost, so under a spread of many containers the limit bites slightly
// early, never late; below a budget of 100 a second the first lease is a single token, and below
// 10 every request is counted one by one, exactly.
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { epochSeconds, keys } from "./keys.ts";
import { isConditionFailure } from "./dynamo.ts";

export const DEFAULT_RATE_PER_SECOND = 2000;
const FIRST_BLOCK_SHARE = 100;
const MAX_BLOCK_SHARE = 10;

interface Window {
  second: number;
  /** Tokens leased for this second and not yet spent. */
  available: number;
  /** Size of the next lease. */
  nextBlock: number;
  /** The second's budget is used up: refuse locally until the next second. */
  exhausted: boolean;
  /** One lease at a time per account: concurrent requests wait for it instead of leasing too. */
  leasing?: Promise<void>;
}

export function makeRateLimiter(ddb: DynamoDBDocumentClient, tableName: string) {
  const windows = new Map<string, Window>();

  /** Adds up to `block` tokens to the second's counter, fewer when less is left; returns how many it got. */
  async function lease(bucket: string, second: number, block: number, limit: number): Promise<number> {
    for (let size = block; size >= 1; size = size > 1 ? Math.max(1, Math.floor(size / 4)) : 0) {
      try {
        await ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.rate(bucket, second),
            UpdateExpression: "ADD hits :n SET expiresAt = :expires",
            ConditionExpression: "attribute_not_exists(hits) OR hits <= :room",
            ExpressionAttributeValues: { ":n": size, ":room": limit - size, ":expires": second + 60 },
          }),
        );
        return size;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return 0;
  }

  return {
    /** True when one more fits in the bucket's budget for this second; counts it if so. */
    async tryTake(bucket: string, limitPerSecond: number, now = Date.now()): Promise<boolean> {
      const second = epochSeconds(now);
      for (;;) {
        let window = windows.get(bucket);
        // A request that waited into the next second counts in the window that is open now; it
        // never brings back an older one (which would throw away the newer window's leases).
        if (!window || window.second < second) {
          if (windows.size > 10_000) windows.clear();
          window = { second, available: 0, nextBlock: Math.max(1, Math.floor(limitPerSecond / FIRST_BLOCK_SHARE)), exhausted: false };
          windows.set(bucket, window);
        }
        if (window.available > 0) {
          window.available--;
          return true;
        }
        if (window.exhausted) return false;
        if (!window.leasing) {
          const current = window;
          const block = Math.min(current.nextBlock, Math.max(1, Math.floor(limitPerSecond / MAX_BLOCK_SHARE)));
          current.leasing = lease(bucket, current.second, block, limitPerSecond)
            .then((got) => {
              current.available += got;
              current.exhausted = got === 0;
              current.nextBlock = block * 2;
            })
            .finally(() => (current.leasing = undefined));
        }
        await window.leasing;
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof makeRateLimiter>;
