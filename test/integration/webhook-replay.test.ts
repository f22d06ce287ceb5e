// Parked webhook records and POST /webhooks/replay, per account: real status changes, the
// post-webhooks consumer under the local poller (the Lambda event source stand-in), a real HTTP
// receiver, and the replay route, against the stand-ins.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeReplay } from "../../functions/http/webhooks-replay.ts";
import { makeHandler as makePostWebhooks, makePostWebhooksDeps } from "../../functions/queues/post-webhooks.ts";
import { startPoller, type Poller } from "../../local/pollers.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS } from "../../shared/accept/submission.ts";
import { makeDeps } from "../../shared/deps.ts";
import type { WebhookEvent } from "../../shared/webhooks/payload.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import { eventually } from "../support/platform.ts";

/** A receiver that answers 503 until `up` is set, and keeps what it took. */
async function startReceiver() {
  const state = { up: false, taken: [] as WebhookEvent[], attempts: new Map<string, number>() };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const events = JSON.parse(body) as WebhookEvent[];
      for (const e of events) state.attempts.set(e.eventId, (state.attempts.get(e.eventId) ?? 0) + 1);
      if (state.up) state.taken.push(...events);
      res.writeHead(state.up ? 200 : 503).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { state, url: (path: string) => `http://127.0.0.1:${port}${path}`, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

describe("replaying parked webhook records, per account", () => {
  let t: TestEnv;
  let deps: ReturnType<typeof makeDeps>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let poller: Poller;

  beforeAll(async () => {
    // Retries at once, so the six attempts of a record take moments instead of five minutes.
    t = await makeTestEnv({ env: { WEBHOOK_RETRY_SECONDS: "0", WEBHOOK_ENDPOINT_CACHE_SECONDS: "0" } });
    const { config } = t;
    deps = makeDeps(config, t.deps.clients); // with the webhook listener installed, as every handler has it
    receiver = await startReceiver();
    poller = startPoller({
      sqs: t.deps.clients.sqs,
      queueUrl: t.queues.webhooks.url,
      queueArn: t.queues.webhooks.arn,
      handler: makePostWebhooks(makePostWebhooksDeps({ config, clients: t.deps.clients })),
      batchSize: 10,
      concurrency: 2,
    });
  });
  afterAll(async () => {
    await poller?.stop();
    await receiver?.close();
  });

  const send = async (caller: Awaited<ReturnType<typeof makeAccount>>["caller"], address: string, path: string) => {
    const [accepted] = await acceptSubmission(deps, caller, {
      from: { address: "news@example.com" },
      subject: "Hello",
      text: "Hi",
      recipients: [{ index: 0, address, mergeFields: {}, extraData: { callbackUrl: receiver.url(path) } }],
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
    });
    return accepted.messageId;
  };
  const replay = (apiKey: string) =>
    invoke(makeReplay(deps), apiEvent({ method: "POST", path: "/webhooks/replay", headers: { authorization: `Key ${apiKey}` } }));
  const queueIsEmpty = async () => {
    const { Attributes = {} } = await t.deps.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: t.queues.webhooks.url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0 ? true : undefined;
  };
  const takenFor = (messageIds: string[]) => receiver.state.taken.filter((e) => messageIds.includes(e.messageId) && e.status === "ACCEPTED");

  it("one account's replays, however often, leave another account's parked records where they are", async () => {
    const a = await makeAccount(deps);
    const b = await makeAccount(deps);
    // Three records each: every accept is its own status notification, so its own record.
    const sentByA = [await send(a.caller, "a1@example.org", "/a"), await send(a.caller, "a2@example.org", "/a"), await send(a.caller, "a3@example.org", "/a")];
    const sentByB = [await send(b.caller, "b1@example.org", "/b"), await send(b.caller, "b2@example.org", "/b"), await send(b.caller, "b3@example.org", "/b")];

    // The first try and 5 retries, then parked: nothing of them is left in the queue.
    await eventually(async () => ([...sentByA, ...sentByB].every((id) => receiver.state.attempts.get(`${id}.1`) === 6) ? true : undefined), 30_000, "six attempts each");
    await eventually(queueIsEmpty, 30_000, "the records parked");
    receiver.state.up = true;

    for (let i = 0; i < 5; i++) {
      const answer = await replay(a.apiKey);
      expect(answer.statusCode).toBe(200);
      expect(answer.json.Result).toEqual({ Replayed: i === 0 ? 3 : 0, Complete: true });
    }
    await eventually(async () => (takenFor(sentByA).length === 3 ? true : undefined), 15_000, "A's events delivered");
    expect(takenFor(sentByB)).toEqual([]);

    const first = await replay(b.apiKey);
    expect(first.json.Result).toEqual({ Replayed: 3, Complete: true });
    await eventually(async () => (takenFor(sentByB).length === 3 ? true : undefined), 15_000, "B's events delivered");
    expect(takenFor(sentByB).map((e) => e.messageId).sort()).toEqual([...sentByB].sort());
    expect((await replay(b.apiKey)).json.Result).toEqual({ Replayed: 0, Complete: true });
  });
});
