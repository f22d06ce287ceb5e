// The API key routes against the stand-ins: a key is shown once, works, is listed without the key,
// and stops working when revoked; only an account key manages keys, and only its own account's.
import { beforeAll, describe, expect, it } from "vitest";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { makeHandler as makeCreate } from "../../functions/http/api-keys-create.ts";
import { makeHandler as makeList } from "../../functions/http/api-keys-list.ts";
import { makeHandler as makeRevoke } from "../../functions/http/api-keys-revoke.ts";
import { hashApiKey } from "../../shared/store/accounts.ts";
import { keys } from "../../shared/store/keys.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

describe("the API key routes", () => {
  let t: TestEnv;
  let handlers: { create: ReturnType<typeof makeCreate>; list: ReturnType<typeof makeList>; revoke: ReturnType<typeof makeRevoke> };
  // Fresh lookups every time: the account cache would keep a revoked key working for its TTL.
  const fresh = () => ({ ...t.deps, accountCache: { findCaller: (key: string) => t.deps.accounts.findCallerByApiKey(key) } });

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const create = (key: string, body: unknown) =>
    invoke(handlers.create, apiEvent({ method: "POST", path: "/api-keys", headers: auth(key), body }));
  const list = (key: string) => invoke(handlers.list, apiEvent({ path: "/api-keys", headers: auth(key) }));
  const revoke = (key: string, keyId: string) =>
    invoke(handlers.revoke, apiEvent({ method: "DELETE", path: `/api-keys/${keyId}`, pathParameters: { keyId }, headers: auth(key) }));

  beforeAll(async () => {
    t = await makeTestEnv();
    handlers = { create: makeCreate(fresh()), list: makeList(fresh()), revoke: makeRevoke(fresh()) };
  });

  it("shows a new key once, lists it by its prefix only, and it stops working once revoked", async () => {
    const { apiKey } = await makeAccount(t.deps);
    const created = await create(apiKey, { Label: "CRM" });
    expect(created.statusCode).toBe(201);
    expect(created.headers?.["cache-control"]).toBe("no-store");
    const { Key, Id, Prefix } = created.json.Result;
    expect(Key).toMatch(/^ph_/);
    expect(Key.startsWith(Prefix)).toBe(true);

    // Only the hash is stored.
    const item = (await t.deps.clients.ddb.send(new GetCommand({ TableName: t.config.tableName, Key: keys.apiKey(hashApiKey(Key)) }))).Item;
    expect(item).toMatchObject({ keyId: Id });
    expect(JSON.stringify(item)).not.toContain(Key);

    const listed = await list(Key);
    expect(listed.statusCode).toBe(200);
    expect(listed.json.Result).toContainEqual(expect.objectContaining({ Id, Label: "CRM", Prefix }));
    expect(JSON.stringify(listed.json)).not.toContain(Key);

    const revoked = await revoke(apiKey, Id);
    expect(revoked.json.Result).toMatchObject({ Id, RevokedAt: expect.any(String) });
    expect((await list(Key)).statusCode).toBe(401);
    expect((await list(apiKey)).json.Result).toContainEqual(expect.objectContaining({ Id, RevokedAt: revoked.json.Result.RevokedAt }));
    // Revoking again keeps the first time.
    expect((await revoke(apiKey, Id)).json.Result.RevokedAt).toBe(revoked.json.Result.RevokedAt);
  });

  it("keeps each account's keys to itself", async () => {
    const a = await makeAccount(t.deps);
    const b = await makeAccount(t.deps);
    const { Id } = (await create(a.apiKey, {})).json.Result;
    expect((await revoke(b.apiKey, Id)).statusCode).toBe(404);
    expect((await list(b.apiKey)).json.Result.map((k: { Id: string }) => k.Id)).not.toContain(Id);
    expect((await revoke(a.apiKey, "no-such-key")).json).toMatchObject({ Code: "not_found" });
  });

  it("refuses a project key, a project of another account and a label too long", async () => {
    const { account, apiKey } = await makeAccount(t.deps);
    const project = await t.deps.accounts.createProject(account.accountId, "shop");
    const projectKey = await t.deps.accounts.createApiKey(account.accountId, project.projectId);
    expect((await create(projectKey, {})).statusCode).toBe(403);
    expect((await list(projectKey)).json).toMatchObject({ Code: "forbidden" });

    const scoped = await create(apiKey, { ProjectId: project.projectId });
    expect(scoped.json.Result).toMatchObject({ ProjectId: project.projectId });
    expect((await t.deps.accounts.findCallerByApiKey(scoped.json.Result.Key))?.projectId).toBe(project.projectId);

    const other = await makeAccount(t.deps);
    expect((await create(other.apiKey, { ProjectId: project.projectId })).json).toMatchObject({
      Code: "validation_error",
      Reasons: [{ key: "not_found", ref: "ProjectId" }],
    });
    expect((await create(apiKey, { Label: "x".repeat(101) })).json).toMatchObject({ Reasons: [{ key: "too_long", ref: "Label" }] });
    expect((await create(apiKey, "{")).json).toMatchObject({ Code: "invalid_json" });
  });
});
