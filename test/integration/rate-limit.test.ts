// The per-account request rate, against the real DynamoDB stand-in: several containers (limiter
// instances) share one budget per second, and lease it in blocks instead of writing per request.
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { makeRateLimiter } from "../../shared/store/rate-limit.ts";
import { makeTestEnv, type TestEnv } from "../support/integration.ts";

let t: TestEnv;
beforeAll(async () => {
  t = await makeTestEnv();
});

/** A container's own client, counting the writes it makes. */
function container() {
  const client = new DynamoDBClient({
    region: "us-east-1",
    endpoint: t.env.DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  const counter = { writes: 0 };
  client.middlewareStack.add((next) => async (args) => {
    counter.writes++;
    return next(args);
  });
  return { limiter: makeRateLimiter(DynamoDBDocumentClient.from(client), t.config.tableName), counter };
}

// Every take below happens "in" this one second, so a real second boundary cannot split the budget.
const SECOND = Date.UTC(2026, 0, 1, 12, 0, 0);
let account = 0;
const nextAccount = () => `rate-test-${Date.now()}-${account++}`;

describe("the per-account rate limit", () => {
  it("grants exactly the budget to one container, then refuses", async () => {
    const { limiter } = container();
    const accountId = nextAccount();
    const granted = await Promise.all(Array.from({ length: 12 }, () => limiter.tryTake(accountId, 5, SECOND + 10)));
    expect(granted.filter(Boolean)).toHaveLength(5);
  });

  it("shares one budget between containers, never granting more than the limit", async () => {
    const accountId = nextAccount();
    const containers = [container(), container(), container()];
    const takes = containers.flatMap(({ limiter }) => Array.from({ length: 150 }, () => limiter.tryTake(accountId, 300, SECOND + 20)));
    const granted = (await Promise.all(takes)).filter(Boolean).length;
    expect(granted).toBeLessThanOrEqual(300);
    // Leases left unspent in one container are lost to the others: some shortfall, but not much.
    expect(granted).toBeGreaterThanOrEqual(240);
  });

  it("writes the counter far less often than it grants requests", async () => {
    const { limiter, counter } = container();
    const accountId = nextAccount();
    const granted = (await Promise.all(Array.from({ length: 200 }, () => limiter.tryTake(accountId, 2000, SECOND + 30)))).filter(
      Boolean,
    ).length;
    expect(granted).toBe(200);
    expect(counter.writes).toBeLessThanOrEqual(10);
  });

  it("starts a fresh budget in the next second", async () => {
    const { limiter } = container();
    const accountId = nextAccount();
    for (let i = 0; i < 3; i++) await limiter.tryTake(accountId, 3, SECOND + 40);
    expect(await limiter.tryTake(accountId, 3, SECOND + 40)).toBe(false);
    expect(await limiter.tryTake(accountId, 3, SECOND + 1040)).toBe(true);
  });
});
