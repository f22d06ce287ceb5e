// Status changes -> webhooks queue -> the post-webhooks consumer -> a real HTTP receiver, against
// the stand-ins: one request per URL, failures kept per URL, and the address guard when posting.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler, postWebhooksDeps } from "../../functions/queues/post-webhooks.ts";
import { toSqsRecord } from "../../local/pollers.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS } from "../../shared/domain/submission.ts";
import { makeWebhookEndpointStore } from "../../shared/store/webhook-endpoints.ts";

import { postWebhook } from "../../shared/webhooks/poster.ts";
import { makeAccount, makeTestEnv, type TestEnv, sharedClients, testDeps, type TestDeps } from "../support/integration.ts";
import type { WebhookEvent } from "../../shared/domain/webhook.ts";

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  events: WebhookEvent[];
}

/** A webhook receiver on loopback; `answer` decides the status code per request path. */
async function startReceiver(answer: (path: string) => number | "hang" = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", headers: req.headers, events: body ? JSON.parse(body) : [] });
      const status = answer(req.url ?? "/");
      if (status !== "hang") res.writeHead(status, status >= 300 && status < 400 ? { location: "http://127.0.0.1:9/" } : {}).end("answer");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    port,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("posting status changes to webhook URLs", () => {
  let t: TestEnv;
  let deps: TestDeps;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    t = await makeTestEnv({ env: { WEBHOOK_RETRY_SECONDS: "1", WEBHOOK_ENDPOINT_CACHE_SECONDS: "0" } });
    deps = testDeps({ config: t.config, clients: sharedClients(t.deps.clients) }); // with the webhook listener installed, as every handler has it
    receiver = await startReceiver((path) => (path.startsWith("/down") ? 500 : 200));
  });
  afterAll(async () => receiver?.close());

  const accept = async (
    caller: Awaited<ReturnType<typeof makeAccount>>["caller"],
    addresses: string[],
    extraData: Record<string, string> = {},
  ) =>
    acceptSubmission(deps, caller, {
      from: { address: "news@example.com" },
      subject: "Hello",
      text: "Hi",
      recipients: addresses.map((address, index) => ({ index, address, mergeFields: {}, extraData })),
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
    });
  const receiveWebhookRecords = async () =>
    (
      await t.deps.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: t.queues.webhooks.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["All"],
        }),
      )
    ).Messages ?? [];
  const consume = (records: Awaited<ReturnType<typeof receiveWebhookRecords>>) =>
    makeHandler(postWebhooksDeps(t.deps.wiring))({ Records: records.map((m) => toSqsRecord(m, t.queues.webhooks.arn)) });

  it("sends one request per URL and keeps only the failing URL's record for a retry", async () => {
    const { caller } = await makeAccount(deps);
    const endpoints = makeWebhookEndpointStore(t.deps.clients.ddb, t.config.tableName);
    await endpoints.add(caller.accountId, { url: receiver.url("/ok/split") });
    await endpoints.add(caller.accountId, { url: receiver.url("/down/split") });
    const accepted = await accept(caller, ["a@example.org", "b@example.org"]);

    const records = await receiveWebhookRecords();
    const response = await consume(records);

    expect(records).toHaveLength(2);
    const ok = receiver.received.filter((r) => r.path === "/ok/split");
    const down = receiver.received.filter((r) => r.path === "/down/split");
    expect(ok).toHaveLength(1);
    expect(ok[0].events.map((e) => `${e.messageId} ${e.status}`).sort()).toEqual(accepted.map((m) => `${m.messageId} ACCEPTED`).sort());
    expect(down).toHaveLength(1);
    expect(response.batchItemFailures).toHaveLength(1);
    const failed = records.find((m) => m.MessageId === response.batchItemFailures[0].itemIdentifier)!;
    expect((await endpoints.get(caller.accountId, JSON.parse(failed.Body!).target.endpointId))!.url).toBe(receiver.url("/down/split"));

    // The failed record comes back after the retry interval (1 s here), not the queue's 60 s.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const again = await receiveWebhookRecords();
    expect(again.map((m) => m.Body)).toEqual([failed.Body]);
    expect(again[0].Attributes?.ApproximateReceiveCount).toBe("2");
    expect((await consume(again)).batchItemFailures).toHaveLength(1); // still down: left to the queue and, in the end, its DLQ
    await t.deps.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: t.queues.webhooks.url, ReceiptHandle: again[0].ReceiptHandle })); // not in the next tests' way
  });

  it("posts a recipient's callbackUrl as well, signed with the account's callback secret", async () => {
    const { caller } = await makeAccount(deps);
    const [accepted] = await accept(caller, ["c@example.org"], { callbackUrl: receiver.url("/ok/callback"), orderId: "42" });

    await consume(await receiveWebhookRecords());

    const [request] = receiver.received.filter((r) => r.path === "/ok/callback");
    expect(request.events).toEqual([
      expect.objectContaining({ messageId: accepted.messageId, status: "ACCEPTED", sequence: 1, metadata: { orderId: "42" } }),
    ]);
    expect(request.headers["x-posthaste-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it("drops the queued events of an endpoint that was removed", async () => {
    const { caller } = await makeAccount(deps);
    const endpoints = makeWebhookEndpointStore(t.deps.clients.ddb, t.config.tableName);
    const endpoint = await endpoints.add(caller.accountId, { url: receiver.url("/ok/removed") });
    await accept(caller, ["d@example.org"]);
    await endpoints.remove(caller.accountId, endpoint.webhookId);

    const response = await consume(await receiveWebhookRecords());

    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.received.filter((r) => r.path === "/ok/removed")).toEqual([]);
  });
});

describe("the webhook poster", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver((path) => (path === "/hang" ? "hang" : path === "/redirect" ? 302 : 200));
  });
  afterAll(async () => receiver?.close());
  const options = { mode: "local" as const, timeoutMs: 2000, headers: {} };

  it("on AWS never connects to a private address, even when DNS changed after the URL was accepted", async () => {
    const before = receiver.received.length;
    const result = await postWebhook(`http://rebound.example.com:${receiver.port}/hook`, "[]", {
      ...options,
      mode: "aws",
      resolve: async () => ["127.0.0.1"],
    });

    expect(result).toMatchObject({ ok: false, refused: true });
    expect(receiver.received.length).toBe(before);
  });

  it("counts no answer within the timeout as a failure", async () => {
    const result = await postWebhook(receiver.url("/hang"), "[]", { ...options, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, error: "no answer within 300 ms" });
  });

  it("does not follow redirects: a 3xx is not a 2xx", async () => {
    const result = await postWebhook(receiver.url("/redirect"), "[]", options);
    expect(result).toMatchObject({ ok: false, status: 302 });
  });
});
