// Parked webhook records, POST /webhooks/replay per account, and the outbox's sweeper: real
// status changes, the post-webhooks consumer under the local poller (the Lambda event source
// stand-in), a real HTTP receiver, and the replay route, against the stand-ins.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeReplay } from "../../functions/http/webhooks-replay.ts";
import { makeHandler as makePostWebhooks, postWebhooksDeps } from "../../functions/queues/post-webhooks.ts";
import { startPoller, type Poller } from "../../local/pollers.ts";
import { ensureQueues } from "../../local/resources.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS } from "../../shared/domain/submission.ts";
import { makeWebhookEndpointStore } from "../../shared/store/webhook-endpoints.ts";
import { webhookRecordDeps } from "../../shared/wiring.ts";
import { makeWebhookListener } from "../../shared/webhooks/listener.ts";

import { makeWebhookQueue } from "../../shared/queue/webhooks.ts";
import { replayParkedWebhooks } from "../../shared/webhooks/replay.ts";
import { sweepWebhookOutbox } from "../../shared/webhooks/sweep.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv, sharedClients, testDeps, type TestDeps } from "../support/integration.ts";
import { eventually } from "../support/platform.ts";
import type { WebhookEvent } from "../../shared/domain/webhook.ts";

/** A receiver that answers 503 on paths under /down until they are brought up, and keeps what it took. */
async function startReceiver() {
  const state = { up: new Set<string>(), taken: [] as WebhookEvent[], attempts: new Map<string, number>() };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const events = JSON.parse(body) as WebhookEvent[];
      for (const e of events) state.attempts.set(e.eventId, (state.attempts.get(e.eventId) ?? 0) + 1);
      const ok = !req.url!.startsWith("/down") || state.up.has(req.url!);
      if (ok) state.taken.push(...events);
      res.writeHead(ok ? 200 : 503).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Caller = Awaited<ReturnType<typeof makeAccount>>["caller"];

const submission = (address: string, callbackUrl: string) => ({
  from: { address: "news@example.com" },
  subject: "Hello",
  text: "Hi",
  recipients: [{ index: 0, address, mergeFields: {}, extraData: { callbackUrl } }],
  checkSuppression: false,
  options: DEFAULT_OPTIONS,
});

describe("replaying parked webhook records, per account", () => {
  let t: TestEnv;
  let deps: TestDeps;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let poller: Poller;

  beforeAll(async () => {
    // Retries at once, so the six attempts of a record take moments instead of five minutes.
    t = await makeTestEnv({ env: { WEBHOOK_RETRY_SECONDS: "0", WEBHOOK_ENDPOINT_CACHE_SECONDS: "0" } });
    deps = testDeps({ config: t.config, clients: sharedClients(t.deps.clients) }); // with the webhook listener installed, as every handler has it
    receiver = await startReceiver();
    poller = startPoller({
      sqs: t.deps.clients.sqs,
      queueUrl: t.queues.webhooks.url,
      queueArn: t.queues.webhooks.arn,
      handler: makePostWebhooks(postWebhooksDeps(t.deps.wiring)),
      batchSize: 10,
      concurrency: 2,
    });
  });
  afterAll(async () => {
    await poller?.stop();
    await receiver?.close();
  });

  /** Each accept is its own status notification, so its own record. */
  const send = async (caller: Caller, address: string, path: string) =>
    (await acceptSubmission(deps, caller, submission(address, receiver.url(path))))[0].messageId;
  const replay = (apiKey: string) =>
    invoke(
      makeReplay(deps, webhookRecordDeps(deps.wiring)),
      apiEvent({ method: "POST", path: "/webhooks/replay", headers: { authorization: `Key ${apiKey}` } }),
    );
  const queueIsEmpty = async () => {
    const { Attributes = {} } = await t.deps.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: t.queues.webhooks.url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0
      ? true
      : undefined;
  };
  /** The first try and 5 retries, then parked: nothing of them is left in the queue. */
  const parkedAfterSixAttempts = async (messageIds: string[]) => {
    await eventually(
      async () => (messageIds.every((id) => receiver.state.attempts.get(`${id}.1`) === 6) ? true : undefined),
      30_000,
      "six attempts each",
    );
    await eventually(queueIsEmpty, 30_000, "the records parked");
  };
  const takenFor = (messageIds: string[]) =>
    receiver.state.taken.filter((e) => messageIds.includes(e.messageId) && e.status === "ACCEPTED");

  it("one account's replays, however often, leave another account's parked records where they are", async () => {
    const a = await makeAccount(deps);
    const b = await makeAccount(deps);
    const sentByA = [
      await send(a.caller, "a1@example.org", "/down/a"),
      await send(a.caller, "a2@example.org", "/down/a"),
      await send(a.caller, "a3@example.org", "/down/a"),
    ];
    const sentByB = [
      await send(b.caller, "b1@example.org", "/down/b"),
      await send(b.caller, "b2@example.org", "/down/b"),
      await send(b.caller, "b3@example.org", "/down/b"),
    ];
    await parkedAfterSixAttempts([...sentByA, ...sentByB]);
    receiver.state.up.add("/down/a").add("/down/b");

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
    expect(
      takenFor(sentByB)
        .map((e) => e.messageId)
        .sort(),
    ).toEqual([...sentByB].sort());
    expect((await replay(b.apiKey)).json.Result).toEqual({ Replayed: 0, Complete: true });
  });

  it("says Complete only once every parked record was sent, and goes on where it stopped", async () => {
    const c = await makeAccount(deps);
    const sent = [
      await send(c.caller, "c1@example.org", "/down/c"),
      await send(c.caller, "c2@example.org", "/down/c"),
      await send(c.caller, "c3@example.org", "/down/c"),
    ];
    await parkedAfterSixAttempts(sent);
    receiver.state.up.add("/down/c");

    // One record a page and no time to spare: each call sends one and stops.
    const answers: { replayed: number; complete: boolean }[] = [];
    while (!answers.at(-1)?.complete) {
      answers.push(await replayParkedWebhooks(webhookRecordDeps(deps.wiring), { accountId: c.caller.accountId, pageSize: 1, budgetMs: 0 }));
      expect(answers.length).toBeLessThan(10);
    }

    expect(answers.slice(0, 3)).toEqual([
      { replayed: 1, complete: false },
      { replayed: 1, complete: false },
      { replayed: 1, complete: false },
    ]);
    expect(answers.slice(3).every((answer) => answer.replayed === 0)).toBe(true);
    await eventually(async () => (takenFor(sent).length === 3 ? true : undefined), 15_000, "C's events delivered");
  });

  it("sends each record once when the same account replays twice at the same time", async () => {
    const d = await makeAccount(deps);
    const sent = [
      await send(d.caller, "d1@example.org", "/down/d"),
      await send(d.caller, "d2@example.org", "/down/d"),
      await send(d.caller, "d3@example.org", "/down/d"),
      await send(d.caller, "d4@example.org", "/down/d"),
    ];
    await parkedAfterSixAttempts(sent);
    receiver.state.up.add("/down/d");

    const answers = await Promise.all([replay(d.apiKey), replay(d.apiKey)]);

    expect(answers.map((a) => a.json.Result.Complete)).toEqual([true, true]);
    expect(answers[0].json.Result.Replayed + answers[1].json.Result.Replayed).toBe(4);
    await eventually(async () => (takenFor(sent).length >= 4 ? true : undefined), 15_000, "D's events delivered");
    await eventually(queueIsEmpty, 15_000, "the replayed records done with");
    expect(
      takenFor(sent)
        .map((e) => e.messageId)
        .sort(),
    ).toEqual([...sent].sort());
  });
});

describe("the webhook outbox's sweeper", () => {
  let t: TestEnv;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let poller: Poller;
  /** What a record in a queue nobody consumes is: as good as lost, like the local queue's contents after a kill -9. */
  let lostQueueUrl: string;

  beforeAll(async () => {
    t = await makeTestEnv({ env: { WEBHOOK_RETRY_SECONDS: "0" } });
    receiver = await startReceiver();
    lostQueueUrl = (await ensureQueues(t.deps.clients.sqs, `lost-${Date.now()}`)).webhooks.url;
    poller = startPoller({
      sqs: t.deps.clients.sqs,
      queueUrl: t.queues.webhooks.url,
      queueArn: t.queues.webhooks.arn,
      handler: makePostWebhooks(postWebhooksDeps(t.deps.wiring)),
      batchSize: 10,
      concurrency: 1,
    });
  });
  afterAll(async () => {
    await poller?.stop();
    await receiver?.close();
  });

  /** Status changes whose webhook records went into the lost queue (but, first, into the outbox). */
  async function acceptLosingRecords(caller: Caller, address: string, path: string) {
    const records = webhookRecordDeps(t.deps.wiring);
    const listener = makeWebhookListener({
      endpoints: makeWebhookEndpointStore(t.deps.clients.ddb, t.config.tableName),
      queue: makeWebhookQueue(t.deps.clients.sqs, lostQueueUrl, records.outbox),
      cacheSeconds: 0,
    });
    const [accepted] = await acceptSubmission(
      testDeps({ config: t.config, clients: sharedClients(t.deps.clients), listeners: [listener] }),
      caller,
      submission(address, receiver.url(path)),
    );
    return accepted.messageId;
  }

  it("sends again a record the queue lost, once, and the receiver gets it", async () => {
    const { caller } = await makeAccount(t.deps);
    const messageId = await acceptLosingRecords(caller, "lost@example.org", "/lost");

    const first = await sweepWebhookOutbox(webhookRecordDeps(t.deps.wiring), { olderThanSeconds: 0 });

    expect(first).toEqual({ resent: 1, parked: 0 });
    const [event] = await eventually(
      async () => {
        const taken = receiver.state.taken.filter((e) => e.messageId === messageId);
        return taken.length ? taken : undefined;
      },
      15_000,
      "the swept record posted",
    );
    expect(event).toMatchObject({ status: "ACCEPTED", eventId: `${messageId}.1` });
    // Posted, so out of the outbox: the next sweep has nothing to send.
    await eventually(
      async () => ((await sweepWebhookOutbox(webhookRecordDeps(t.deps.wiring), { olderThanSeconds: 0 })).resent === 0 ? true : undefined),
      10_000,
      "the outbox empty",
    );
  });

  it("parks a record that was sent again three times and never finished, where its account can replay it", async () => {
    const { caller, apiKey } = await makeAccount(t.deps);
    const messageId = await acceptLosingRecords(caller, "poison@example.org", "/poison");
    // Sent again into the lost queue each time: the consumer never finishes it.
    const records = webhookRecordDeps(t.deps.wiring);
    const losing = { outbox: records.outbox, queue: makeWebhookQueue(t.deps.clients.sqs, lostQueueUrl, records.outbox) };
    const now = Date.now();

    const rounds = [];
    for (let i = 0; i < 4; i++) rounds.push(await sweepWebhookOutbox(losing, { olderThanSeconds: 0, now: now + i * 1000 }));

    expect(rounds).toEqual([
      { resent: 1, parked: 0 },
      { resent: 1, parked: 0 },
      { resent: 1, parked: 0 },
      { resent: 0, parked: 1 },
    ]);
    expect(await sweepWebhookOutbox(losing, { olderThanSeconds: 0, now: now + 5000 })).toEqual({ resent: 0, parked: 0 });
    const answer = await invoke(
      makeReplay(t.deps, webhookRecordDeps(t.deps.wiring)),
      apiEvent({ method: "POST", path: "/webhooks/replay", headers: { authorization: `Key ${apiKey}` } }),
    );
    expect(answer.json.Result).toEqual({ Replayed: 1, Complete: true });
    await eventually(
      async () => (receiver.state.taken.some((e) => e.messageId === messageId) ? true : undefined),
      15_000,
      "the parked record posted after replay",
    );
  });
});
