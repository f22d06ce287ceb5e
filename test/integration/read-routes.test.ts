// The read routes need no write access to the table (functions/manifest.ts gives them `read`):
// their entries, as Lambda loads them, authenticate without touching the shared rate counter,
// and still refuse an account over its rate, counted in the container.
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

type Entry = { handler: Parameters<typeof invoke>[0] };

describe("read routes", () => {
  let t: TestEnv;
  let apiKey: string;
  let accountId: string;
  const entries: Record<string, Entry> = {};

  const rateItems = async () =>
    (
      await t.deps.clients.ddb.send(
        new ScanCommand({
          TableName: t.config.tableName,
          FilterExpression: "begins_with(pk, :rate)",
          ExpressionAttributeValues: { ":rate": `RATE#${accountId}#` },
        }),
      )
    ).Items ?? [];

  beforeAll(async () => {
    t = await makeTestEnv();
    ({ apiKey } = await makeAccount(t.deps));
    accountId = (await t.deps.accounts.findCallerByApiKey(apiKey))!.accountId;
    // The entries build their dependencies when imported, from the environment, as on Lambda.
    Object.assign(process.env, t.env);
    for (const name of ["logs", "statistics", "get-message", "suppressions-get", "suppressions-list", "reports"])
      entries[name] = (await import(`../../functions/http/${name}.ts`)) as Entry;
  });

  const call = (name: string, path: string, pathParameters?: Record<string, string>) =>
    invoke(entries[name].handler, apiEvent({ path, pathParameters, headers: { authorization: `Key ${apiKey}` } }));

  it("answer without writing the rate counter", async () => {
    expect((await call("logs", "/email/logs")).statusCode).toBe(200);
    expect((await call("statistics", "/email/statistics")).statusCode).toBe(200);
    expect(
      (await call("get-message", "/email/messages/0mwt8s7zqy15RwW3NToPuBaEa0", { messageId: "0mwt8s7zqy15RwW3NToPuBaEa0" })).statusCode,
    ).toBe(404);
    expect((await call("suppressions-get", "/suppressions/a@example.org", { email: "a@example.org" })).statusCode).toBe(404);
    expect((await call("suppressions-list", "/suppressions")).statusCode).toBe(200);
    expect(await rateItems()).toEqual([]);
    // A route that writes anyway (taking a report) counts the request in the table, as before.
    expect((await call("reports", "/email/reports")).statusCode).toBe(200);
    expect((await rateItems()).length).toBe(1);
  });

  it("refuse an account over its rate, counted in the container", async () => {
    // A fresh account, set before its first request, so the caller the entry caches carries the rate.
    const limited = await makeAccount(t.deps);
    await t.deps.accounts.updateSettings(limited.caller.accountId, { rateLimitPerSecond: 3 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        invoke(entries.logs.handler, apiEvent({ path: "/email/logs", headers: { authorization: `Key ${limited.apiKey}` } })),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    // The eight requests may straddle a second: at most three a second pass.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(answers.find((a) => a.statusCode === 429)?.headers?.["retry-after"]).toBe("1");
  });
});
