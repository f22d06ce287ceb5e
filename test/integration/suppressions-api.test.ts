// The suppression list API as Lambda handlers against the stand-ins.
import { beforeAll, describe, expect, it } from "vitest";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { makeHandler as makeAdd } from "../../functions/http/suppressions-add.ts";
import { makeHandler as makeDelete } from "../../functions/http/suppressions-delete.ts";
import { makeHandler as makeGet } from "../../functions/http/suppressions-get.ts";
import { makeHandler as makeList } from "../../functions/http/suppressions-list.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

describe("the suppression list API", () => {
  let t: TestEnv;
  let handlers: {
    add: ReturnType<typeof makeAdd>;
    remove: ReturnType<typeof makeDelete>;
    get: ReturnType<typeof makeGet>;
    list: ReturnType<typeof makeList>;
  };
  let apiKey: string;
  let accountId: string;

  const auth = (key = apiKey) => ({ authorization: `Key ${key}` });
  const add = (body: unknown, key?: string) =>
    invoke(handlers.add, apiEvent({ method: "POST", path: "/suppressions", headers: auth(key), body }));
  const get = (email: string, key?: string) =>
    invoke(handlers.get, apiEvent({ path: `/suppressions/${encodeURIComponent(email)}`, pathParameters: { email }, headers: auth(key) }));
  const remove = (email: string, key?: string) =>
    invoke(
      handlers.remove,
      apiEvent({ method: "DELETE", path: `/suppressions/${encodeURIComponent(email)}`, pathParameters: { email }, headers: auth(key) }),
    );
  const list = (query: Record<string, string>, key?: string) =>
    invoke(handlers.list, apiEvent({ path: "/suppressions", query, headers: auth(key) }));

  beforeAll(async () => {
    t = await makeTestEnv();
    handlers = { add: makeAdd(t.deps), remove: makeDelete(t.deps), get: makeGet(t.deps), list: makeList(t.deps) };
    ({
      apiKey,
      account: { accountId },
    } = await makeAccount(t.deps));
  });

  it("refuses a field or query parameter it does not know, naming it, rather than ignoring it", async () => {
    const typo = await add({ Email: "typo@example.org", Cuase: "manual" });
    expect(typo.statusCode).toBe(400);
    expect(typo.json.Reasons).toEqual([{ key: "unknown_field", ref: "Cuase" }]);
    expect((await get("typo@example.org")).statusCode).toBe(404);
    const query = await list({ cause: "manual", sicne: "2025-01-01" });
    expect(query.statusCode).toBe(400);
    expect(query.json.Reasons).toEqual([{ key: "unknown_field", ref: "sicne" }]);
  });

  it("adds an address as manual, shows it, and removes it", async () => {
    const added = await add({ Email: "Manual@Example.org", Reason: "asked by phone" });
    expect(added.statusCode).toBe(200);
    expect(added.json.Result).toMatchObject({ Email: "manual@example.org", Cause: "manual", Reason: "asked by phone" });

    const shown = await get("manual@example.org");
    expect(shown.json).toMatchObject({ Code: "ok", Result: { Email: "manual@example.org", Cause: "manual" } });
    expect(Date.parse(shown.json.Result.CreatedAt)).toBeGreaterThan(Date.now() - 60_000);

    expect((await remove("MANUAL@example.org")).json).toEqual({ Result: { Email: "MANUAL@example.org", Removed: true }, Code: "ok" });
    expect((await get("manual@example.org")).statusCode).toBe(404);
    expect((await remove("manual@example.org")).json).toMatchObject({ Code: "not_found" });
  });

  it("lists by cause and date, oldest first, page by page with a cursor", async () => {
    const { apiKey: key, account } = await makeAccount(t.deps);
    const base = Date.parse("2025-03-01T00:00:00Z");
    const causes = ["unsubscribed", "hard_bounce", "unsubscribed", "complaint", "unsubscribed", "unsubscribed"] as const;
    for (const [i, cause] of causes.entries()) {
      await t.deps.suppressions.add(account.accountId, { address: `u${i}@example.org`, cause }, base + i * 60_000);
    }

    const first = await list({ cause: "unsubscribed", since: "2025-03-01T00:01:00Z", limit: "2" }, key);
    const second = await list({ cause: "unsubscribed", since: "2025-03-01T00:01:00Z", limit: "2", cursor: first.json.Cursor }, key);
    const rest = second.json.Cursor
      ? await list({ cause: "unsubscribed", limit: "2", cursor: second.json.Cursor }, key)
      : { json: { Result: [] } };
    const all = await list({}, key);

    expect(first.json.Result.map((r: { Email: string }) => r.Email)).toEqual(["u2@example.org", "u4@example.org"]);
    expect(second.json.Result.map((r: { Email: string }) => r.Email)).toEqual(["u5@example.org"]);
    expect(rest.json.Result).toEqual([]);
    expect(all.json.Result.map((r: { Cause: string }) => r.Cause)).toEqual([...causes]);
    expect(all.json.Result[1]).toEqual({ Email: "u1@example.org", Cause: "hard_bounce", CreatedAt: "2025-03-01T00:01:00.000Z" });
  });

  it("lists an address once, under its latest cause, when it is suppressed again", async () => {
    const { apiKey: key, account } = await makeAccount(t.deps);
    await t.deps.suppressions.add(account.accountId, { address: "twice@example.org", cause: "unsubscribed" }, 1_000);
    await add({ Email: "twice@example.org", Cause: "complaint" }, key);

    const all = await list({}, key);

    expect(all.json.Result).toHaveLength(1);
    expect(all.json.Result[0]).toMatchObject({ Email: "twice@example.org", Cause: "complaint" });
  });

  it("does not list a half-written entry left by a crash", async () => {
    const { apiKey: key, account } = await makeAccount(t.deps);
    await t.deps.clients.ddb.send(
      new PutCommand({
        TableName: t.config.tableName,
        Item: {
          pk: `SUPPRESSIONS#${account.accountId}`,
          sk: "0000000001000#ghost@example.org",
          address: "ghost@example.org",
          cause: "manual",
          createdAt: 1000,
        },
      }),
    );

    expect((await list({}, key)).json.Result).toEqual([]);
  });

  it("keeps each account's list to itself", async () => {
    const other = await makeAccount(t.deps);
    await add({ Email: "mine@example.org" });

    expect((await get("mine@example.org", other.apiKey)).statusCode).toBe(404);
    expect((await remove("mine@example.org", other.apiKey)).statusCode).toBe(404);
    expect((await list({}, other.apiKey)).json.Result).toEqual([]);
    expect(await t.deps.suppressions.get(accountId, "mine@example.org")).toBeDefined();
  });

  it("refuses bad input with the field it concerns", async () => {
    expect((await add({ Email: "not-an-address" })).json).toMatchObject({
      Code: "validation_error",
      Reasons: [{ key: "invalid_address", ref: "Email" }],
    });
    expect((await add({ Email: "a@example.org", Cause: "spite" })).json.Reasons).toEqual([{ key: "invalid_value", ref: "Cause" }]);
    expect((await add({})).json.Reasons).toEqual([{ key: "required", ref: "Email" }]);
    expect((await list({ cause: "spite" })).json.Reasons).toEqual([{ key: "invalid_value", ref: "cause" }]);
    expect((await list({ since: "yesterday" })).json.Reasons).toEqual([{ key: "invalid_date", ref: "since" }]);
    expect((await list({ cursor: "bm9wZQ" })).json.Reasons).toEqual([{ key: "invalid_cursor", ref: "cursor" }]);
    expect((await get("nobody")).statusCode).toBe(400);
  });

  it("answers 401 without an API key", async () => {
    const response = await invoke(handlers.list, apiEvent({ path: "/suppressions" }));
    expect(response.statusCode).toBe(401);
  });
});
