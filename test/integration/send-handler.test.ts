// POST /email/messages and GET /email/messages/{id} as Lambda handlers, against the stand-ins.
import { beforeAll, describe, expect, it } from "vitest";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { makeHandler as makeSendHandler } from "../../functions/http/send-messages.ts";
import { makeHandler as makeGetHandler } from "../../functions/http/get-message.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../shared/store/keys.ts";

const body = (overrides: Record<string, unknown> = {}) => ({
  Recipients: [{ Address: "ivan@example.org", MergeFields: { Name: "Ivan" } }],
  Sender: { Address: "shop@example.com" },
  Subject: "Hello [Name]",
  Body: { Html: "<p>Hi [Name]</p>" },
  ...overrides,
});

describe("the send and status handlers", () => {
  let t: TestEnv;
  let send: ReturnType<typeof makeSendHandler>;
  let get: ReturnType<typeof makeGetHandler>;
  let apiKey: string;
  let accountId: string;

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    invoke(
      send,
      apiEvent({ method: "POST", path: "/email/messages", headers: { authorization: `Key ${apiKey}`, ...headers }, body: payload }),
    );
  const status = (messageId: string, key = apiKey) =>
    invoke(
      get,
      apiEvent({ path: `/email/messages/${messageId}`, pathParameters: { messageId }, headers: { authorization: `Key ${key}` } }),
    );

  beforeAll(async () => {
    t = await makeTestEnv();
    send = makeSendHandler(t.deps);
    get = makeGetHandler(t.deps);
    ({
      apiKey,
      account: { accountId },
    } = await makeAccount(t.deps));
  });

  it("accepts a message, records it ACCEPTED and enqueues its id", async () => {
    const response = await post(body());

    expect(response.statusCode).toBe(200);
    const [result] = response.json.Result;
    expect(result).toMatchObject({ Index: 0, Address: "ivan@example.org", Code: "ok", Status: "ACCEPTED" });
    const stored = await status(result.MessageId);
    expect(stored.json.Result).toMatchObject({
      MessageId: result.MessageId,
      Status: "ACCEPTED",
      Address: "ivan@example.org",
      Sender: "shop@example.com",
    });
    const queued = await t.deps.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: t.queues.deliveries.url, MaxNumberOfMessages: 10 }));
    expect(queued.Messages?.flatMap((m) => JSON.parse(m.Body!).messageIds)).toContain(result.MessageId);
  });

  it("accepts Bearer as well as Key and refuses a missing or unknown key with 401", async () => {
    expect((await post(body(), { authorization: `Bearer ${apiKey}` })).statusCode).toBe(200);
    const missing = await invoke(send, apiEvent({ method: "POST", path: "/email/messages", body: body() }));
    const unknown = await post(body(), { authorization: "Key ph_not-a-real-key" });
    expect(missing.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json).toEqual({ Code: "unauthorized", Description: "Missing or invalid API key" });
  });

  it("answers 400 with the position for a body that is not JSON", async () => {
    const response = await post('{"Recipients": [}');
    expect(response.statusCode).toBe(400);
    expect(response.json.Code).toBe("invalid_json");
    expect(response.json.Description).toContain("line 1, column 17 (position 16)");
  });

  it("answers 413 for a body over the limit without reading it as JSON", async () => {
    const small = makeSendHandler({ ...t.deps, config: { ...t.config, limits: { ...t.config.limits, requestBytes: 1024 } } });
    const response = await invoke(
      small,
      apiEvent({ method: "POST", path: "/email/messages", headers: { authorization: `Key ${apiKey}` }, body: "x".repeat(2048) }),
    );
    expect(response.statusCode).toBe(413);
    expect(response.json.Code).toBe("payload_too_large");
  });

  it("refuses a sender outside the account's verified domains", async () => {
    const response = await post(body({ Sender: { Address: "ceo@bank.example" } }));
    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({ Code: "validation_error", Reasons: [{ key: "sender_not_verified", ref: "Sender.Address" }] });
  });

  it("answers 200 with per-recipient codes when only some recipients are bad", async () => {
    const response = await post(body({ Recipients: [{ Address: "x@" }, { Address: "ok@example.org" }] }));
    expect(response.statusCode).toBe(200);
    expect(response.json.Result.map((r: { Code: string }) => r.Code)).toEqual(["validation_error", "ok"]);
    expect(response.json.Result[0]).toMatchObject({ Index: 0, Reasons: [{ key: "invalid_address", ref: "Recipients[0].Address" }] });
  });

  it("answers 400 for a sender name with a line break and a per-recipient error for such a recipient name", async () => {
    const badSender = await post(body({ Sender: { Address: "shop@example.com", Name: "Shop\r\nBcc: all@example.org" } }));
    expect(badSender.statusCode).toBe(400);
    expect(badSender.json).toMatchObject({ Code: "validation_error", Reasons: [{ key: "invalid_name", ref: "Sender.Name" }] });

    const badRecipient = await post(
      body({ Recipients: [{ Address: "ok@example.org" }, { Address: "x@example.org", Name: "Boss <boss@example.org>" }] }),
    );
    expect(badRecipient.statusCode).toBe(200);
    expect(badRecipient.json.Result.map((r: { Code: string }) => r.Code)).toEqual(["ok", "validation_error"]);
    expect(badRecipient.json.Result[1]).toMatchObject({ Index: 1, Reasons: [{ key: "invalid_name", ref: "Recipients[1].Name" }] });
  });

  it("returns the first answer again for a repeated Idempotency-Key and sends nothing twice", async () => {
    const first = await post(body(), { "idempotency-key": "order-17" });
    const again = await post(body(), { "idempotency-key": "order-17" });
    const different = await post(body({ Subject: "Other" }), { "idempotency-key": "order-17" });

    expect(again.statusCode).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(again.headers?.["idempotent-replayed"]).toBe("true");
    expect(different.statusCode).toBe(422);
    expect(different.json.Code).toBe("idempotency_conflict");
  });

  it("hides a message from another account and from another project's key", async () => {
    const sent = await post(body());
    const messageId = sent.json.Result[0].MessageId;
    const stranger = await makeAccount(t.deps);
    const project = await t.deps.accounts.createProject(accountId, "shop");
    const projectKey = await t.deps.accounts.createApiKey(accountId, project.projectId);

    expect((await status(messageId, stranger.apiKey)).statusCode).toBe(404);
    expect((await status(messageId, projectKey)).statusCode).toBe(404);
    expect((await status("0mwt00000000000000000000", apiKey)).statusCode).toBe(404);
    expect((await status(messageId)).statusCode).toBe(200);
  });

  it("refuses callers outside the account's IP allowlist with 403", async () => {
    const guarded = await makeAccount(t.deps);
    await t.deps.clients.ddb.send(
      new UpdateCommand({
        TableName: t.config.tableName,
        Key: keys.account(guarded.account.accountId),
        UpdateExpression: "SET ipAllowlist = :l",
        ExpressionAttributeValues: { ":l": ["198.51.100.0/24"] },
      }),
    );
    const call = (sourceIp: string) =>
      invoke(
        send,
        apiEvent({ method: "POST", path: "/email/messages", headers: { authorization: `Key ${guarded.apiKey}` }, body: body(), sourceIp }),
      );
    expect((await call("203.0.113.9")).statusCode).toBe(403);
    expect((await call("198.51.100.20")).statusCode).toBe(200);
  });

  it("answers 429 with Retry-After past the account's rate", async () => {
    const limited = await makeAccount(t.deps);
    await t.deps.clients.ddb.send(
      new UpdateCommand({
        TableName: t.config.tableName,
        Key: keys.account(limited.account.accountId),
        UpdateExpression: "SET rateLimitPerSecond = :r",
        ExpressionAttributeValues: { ":r": 2 },
      }),
    );
    const call = () =>
      invoke(
        send,
        apiEvent({ method: "POST", path: "/email/messages", headers: { authorization: `Key ${limited.apiKey}` }, body: body() }),
      );
    const codes = (await Promise.all([call(), call(), call(), call()])).map((r) => r.statusCode);
    const refused = codes.filter((c) => c === 429);
    // The window is one wall-clock second; four calls may straddle two windows.
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const last = await call();
    if (last.statusCode === 429) expect(last.headers?.["retry-after"]).toBe("1");
  });
});
