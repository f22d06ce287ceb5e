// The delivery worker, the sweeper and status recording against the stand-ins and a real
// SMTP mailbox.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReceiveMessageCommand, PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { SQSClient } from "@aws-sdk/client-sqs";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";
import { deliverMessage, type DeliverDeps } from "../../shared/deliver/deliver-message.ts";
import { sweep } from "../../shared/deliver/sweep.ts";
import { makeAttachmentLoader } from "../../shared/files/attachments.ts";
import { makeDeliveryQueue } from "../../shared/queue/deliveries.ts";
import { makeSmtpTransport } from "../../shared/transport/transport.ts";
import { makeHandler as makeDeliverHandler } from "../../functions/queues/deliver.ts";
import { startMailbox, type Mailbox } from "../../local/mailbox.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import type { Caller } from "../../shared/domain/account.ts";

const submission = (addresses: string[], overrides: Partial<Submission> = {}): Submission => ({
  from: { address: "shop@example.com" },
  subject: "Order [Order]",
  text: "Your order [Order] ships today.",
  recipients: addresses.map((address, index) => ({ index, address, mergeFields: { Order: "17" }, extraData: {} })),
  checkSuppression: false,
  options: DEFAULT_OPTIONS,
  ...overrides,
});

describe("delivering accepted messages", () => {
  let t: TestEnv;
  let mailbox: Mailbox;
  let deps: DeliverDeps;
  let caller: Caller;

  const accept = async (addresses: string[], overrides?: Partial<Submission>) =>
    (await acceptSubmission(t.deps, caller, submission(addresses, overrides))).map((r) => r.messageId);
  const drainQueue = () => t.deps.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: t.queues.deliveries.url }));

  beforeAll(async () => {
    t = await makeTestEnv({ env: { DELIVERY_MAX_ATTEMPTS: "3", DELIVERY_RETRY_BASE_SECONDS: "30" } });
    mailbox = await startMailbox({ dir: await mkdtemp(path.join(os.tmpdir(), "posthaste-mailbox-")) });
    deps = {
      ...t.deps,
      transport: makeSmtpTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, plain: true, finalHop: true }),
      loadAttachments: makeAttachmentLoader(t.deps.clients.s3, t.config.bucketName),
    };
    ({ caller } = await makeAccount(t.deps));
  });
  afterAll(async () => {
    deps.transport.close();
    await mailbox.close();
  });

  it("renders and delivers a message, recording SENT then DELIVERED", async () => {
    const [id] = await accept(["ann@example.org"]);

    const outcome = await deliverMessage(deps, id);

    expect(outcome).toEqual({ step: "send", result: "delivered" });
    const stored = await t.deps.messages.getMessage(id);
    expect(stored?.history.map((h) => h.status)).toEqual(["ACCEPTED", "SENT", "DELIVERED"]);
    const [entry] = mailbox.list().filter((e) => e.messageId === id);
    expect(entry.subject).toBe("Order 17");
    expect((await mailbox.raw(entry.id)).toString()).toContain("Your order 17 ships today.");
  });

  it("notes merge fields the message did not supply in its history", async () => {
    const [id] = await accept(["bob@example.org"], { text: "Hi [FirstName]" });
    await deliverMessage(deps, id);
    const sent = (await t.deps.messages.getMessage(id))!.history.find((h) => h.status === "SENT");
    expect(sent?.reason).toBe("missing merge fields: FirstName");
  });

  it("sends a message only once when two workers get the same job", async () => {
    const [id] = await accept(["twice@example.org"]);
    const outcomes = await Promise.all([deliverMessage(deps, id), deliverMessage(deps, id)]);
    expect(outcomes.map((o) => o.result).sort()).toEqual(["delivered", "skipped"]);
    expect(mailbox.list().filter((e) => e.messageId === id)).toHaveLength(1);
  });

  it("bounces on a 5xx and suppresses a hard-bounced address", async () => {
    const [id] = await accept(["bounce@simulator.posthaste.test"]);
    const outcome = await deliverMessage(deps, id);
    expect(outcome).toMatchObject({ result: "bounced" });
    expect((await t.deps.messages.getMessage(id))?.status).toBe("BOUNCED");
    expect(await t.deps.suppressions.get(caller.accountId, "Bounce@simulator.posthaste.test")).toMatchObject({
      cause: "hard_bounce",
      causeMessageId: id,
    });
  });

  it("retries a 4xx later with growing delays, then ends BOUNCED without suppressing", async () => {
    await drainQueue();
    const [id] = await accept(["defer@simulator.posthaste.test"]);
    await drainQueue();

    const first = await deliverMessage(deps, id);
    const second = await deliverMessage(deps, id);
    const third = await deliverMessage(deps, id);

    expect(first).toMatchObject({ result: "retry", delaySeconds: 30 });
    expect(second).toMatchObject({ result: "retry", delaySeconds: 60 });
    expect(third).toMatchObject({ result: "bounced" });
    const message = await t.deps.messages.getMessage(id);
    expect(message?.status).toBe("BOUNCED");
    expect(message?.history.at(-1)?.reason).toMatch(/^soft_bounce: gave up after 3 attempts: 451/);
    expect(await t.deps.suppressions.get(caller.accountId, "defer@simulator.posthaste.test")).toBeUndefined();
  });

  it("re-enqueues a deferred message with its delay", async () => {
    await drainQueue();
    const [id] = await accept(["defer+once@simulator.posthaste.test"]);
    await drainQueue();
    await deliverMessage(deps, id);
    const visibleNow = await t.deps.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: t.queues.deliveries.url, WaitTimeSeconds: 0 }));
    expect(visibleNow.Messages ?? []).toEqual([]);
    expect((await t.deps.messages.getMessage(id))?.dueAt).toBeGreaterThan(Date.now() + 25_000);
  });

  it("rejects a message whose template the sandbox refuses, sending nothing of it", async () => {
    // Accepted without the SMTP door's check, as a message stored before it was there would be.
    const velocity = { ...DEFAULT_OPTIONS, templateEngine: "velocity" as const };
    const exploit = 'Hi #set($g = $to_email.__lookupGetter__("__proto__"))$g.call($g).constructor("return process.env.LINK_SECRET").call()';
    const bomb = '#set($a = "0123456789")#foreach($i in [1..20])#set($a = "$a$a")#end$a';
    const [refused] = await accept(["exploit@example.org"], { text: exploit, options: velocity });
    const [limited] = await accept(["bomb@example.org"], { subject: "Hi", text: bomb, options: velocity });

    const reasons = {
      [refused]:
        'invalid_template: in the text body at line 1, column 4: $to_email.__lookupGetter__("__proto__") calls a method; templates may only read values',
      [limited]:
        "invalid_template: in the text body at line 1, column 47: the template would produce more than 1,000,000 characters beyond its own length",
    };
    for (const [id, reason] of Object.entries(reasons)) {
      expect(await deliverMessage(deps, id)).toEqual({ step: "compose", result: "rejected", reason });
      const message = await t.deps.messages.getMessage(id);
      expect(message?.status).toBe("REJECTED");
      expect(message?.history.at(-1)).toMatchObject({ status: "REJECTED", reason });
      expect(mailbox.list().filter((e) => e.messageId === id)).toEqual([]);
      // Final: a second job for it (the sweeper reads its entry and skips it) does nothing.
      expect(await deliverMessage(deps, id)).toEqual({ step: "claim", result: "skipped" });
    }
  });

  it("reports a record failed, and gives the message back, when our own storage fails", async () => {
    const [id] = await accept(["lost-body@example.org"]);
    const broken: DeliverDeps = { ...deps, bodies: { ...deps.bodies, get: async () => Promise.reject(new Error("S3 is down")) } };
    const handler = makeDeliverHandler(broken);

    const response = await handler({ Records: [{ messageId: "sqs-1", body: JSON.stringify({ messageId: id }) } as never] });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "sqs-1" }]);
    expect((await t.deps.messages.getMessage(id))?.claimUntil).toBeUndefined();
    expect(await deliverMessage(deps, id)).toEqual({ step: "send", result: "delivered" });
  });

  it("delivers every message a job names; when one fails, the retried job sends only that one", async () => {
    const ids = [
      ...(await accept(["job-a@example.org"])),
      ...(await accept(["job-b@example.org"])),
      ...(await accept(["job-c@example.org"])),
    ];
    const unreadable = (await t.deps.messages.getMessage(ids[1]))!.bodyKey;
    let storageDown = true;
    const handler = makeDeliverHandler({
      ...deps,
      bodies: {
        ...deps.bodies,
        get: async (key) => (storageDown && key === unreadable ? Promise.reject(new Error("S3 is down")) : deps.bodies.get(key)),
      },
    });
    const record = { messageId: "sqs-job", body: JSON.stringify({ messageIds: ids }) } as never;

    expect((await handler({ Records: [record] })).batchItemFailures).toEqual([{ itemIdentifier: "sqs-job" }]);
    expect((await t.deps.messages.getMessage(ids[0]))?.status).toBe("DELIVERED");
    expect((await t.deps.messages.getMessage(ids[1]))?.status).toBe("ACCEPTED");
    storageDown = false;
    expect((await handler({ Records: [record] })).batchItemFailures).toEqual([]);

    for (const id of ids) {
      expect((await t.deps.messages.getMessage(id))?.status).toBe("DELIVERED");
      expect(mailbox.list().filter((e) => e.messageId === id)).toHaveLength(1);
    }
  });

  /** The status writes fail `times` times (DynamoDB throttled or unreachable), then work again. */
  const statusFailing = (times: number): DeliverDeps => {
    let failures = 0;
    return {
      ...deps,
      status: {
        ...deps.status,
        record: async (...args) =>
          failures++ < times ? Promise.reject(new Error("DynamoDB is unreachable")) : deps.status.record(...args),
      },
    };
  };
  const jobFor = (id: string) => ({ Records: [{ messageId: `sqs-${id}`, body: JSON.stringify({ messageIds: [id] }) } as never] });
  const copiesOf = (id: string) => mailbox.list().filter((e) => e.messageId === id);

  it("records a sent message through a brief storage failure, without sending it again", async () => {
    const [id] = await accept(["brief-outage@example.org"]);
    const handler = makeDeliverHandler(statusFailing(2));

    // As the queue would: a failed record is received again.
    if ((await handler(jobFor(id))).batchItemFailures.length > 0) await handler(jobFor(id));

    expect((await t.deps.messages.getMessage(id))?.status).toBe("DELIVERED");
    expect(copiesOf(id)).toHaveLength(1);
  });

  it("keeps a sent message claimed when its status cannot be written, so the job's retry does not send it again", async () => {
    const [id] = await accept(["long-outage@example.org"]);
    const handler = makeDeliverHandler(statusFailing(1000));

    expect((await handler(jobFor(id))).batchItemFailures).toHaveLength(1);
    await handler(jobFor(id));

    expect(copiesOf(id)).toHaveLength(1);
    expect((await t.deps.messages.getMessage(id))?.status).toBe("ACCEPTED");
  });

  it("sends a message again after its claim ran out with nothing recorded, under the same Message-ID", async () => {
    const [id] = await accept(["at-least-once@example.org"]);
    await deliverMessage(statusFailing(1000), id).catch(() => undefined);

    // Nothing says it was sent (as after a crash between the 250 and the status write): at least once, it goes again.
    expect(await deliverMessage(deps, id, { now: Date.now() + (t.config.delivery.claimSeconds + 1) * 1000 })).toEqual({
      step: "send",
      result: "delivered",
    });

    const copies = copiesOf(id);
    expect(copies).toHaveLength(2);
    const messageIds = await Promise.all(copies.map(async (c) => /^Message-ID: *(.+)$/im.exec((await mailbox.raw(c.id)).toString())?.[1]));
    expect(messageIds).toEqual([`<${id}@example.com>`, `<${id}@example.com>`]);
  });

  it("parks a message on the job's last receive so the sweeper leaves it to the dead-letter queue", async () => {
    const [id] = await accept(["parked@example.org"]);
    const broken: DeliverDeps = { ...deps, bodies: { ...deps.bodies, get: async () => Promise.reject(new Error("S3 is down")) } };
    const handler = makeDeliverHandler(broken);
    const record = (receives: number) =>
      ({
        messageId: `sqs-${receives}`,
        body: JSON.stringify({ messageId: id }),
        attributes: { ApproximateReceiveCount: String(receives) },
      }) as never;

    await handler({ Records: [record(4)] });
    expect(await sweep(t.deps, { olderThanSeconds: 0, now: Date.now() + 1000 })).toBeGreaterThanOrEqual(1);
    const response = await handler({ Records: [record(5)] });

    expect(response.batchItemFailures).toHaveLength(1);
    const parked = await t.deps.messages.getMessage(id);
    expect(parked).toMatchObject({ status: "ACCEPTED", lastError: "Error: S3 is down" });
    expect(parked?.pendingShard).toBeUndefined();
    // Replayed from the dead-letter queue once the fault is gone, it is delivered.
    expect(await deliverMessage(deps, id)).toEqual({ step: "send", result: "delivered" });
  });
});

describe("the sweeper and a queue that fails", () => {
  let t: TestEnv;
  let caller: Caller;
  beforeAll(async () => {
    t = await makeTestEnv();
    ({ caller } = await makeAccount(t.deps));
  });

  it("accepts even when SQS refuses the jobs, and the sweeper enqueues them later", async () => {
    // SQS failing is a fault the stand-in cannot produce: inject it with a middleware.
    const failing = new SQSClient({
      region: "us-east-1",
      endpoint: t.env.SQS_ENDPOINT,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    failing.middlewareStack.add(() => async () => {
      throw Object.assign(new Error("Service unavailable"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
    });
    const deps = { ...t.deps, deliveryQueue: makeDeliveryQueue(failing, t.queues.deliveries.url) };
    await t.deps.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: t.queues.deliveries.url }));

    const accepted = await acceptSubmission(deps, caller, submission(["later@example.org"]));
    const id = accepted[0].messageId;
    expect(accepted[0].status).toBe("ACCEPTED");
    expect((await t.deps.messages.getMessage(id))?.status).toBe("ACCEPTED");

    expect(await sweep(t.deps, { olderThanSeconds: 60 })).toBe(0); // not overdue yet
    const swept = await sweep(t.deps, { olderThanSeconds: 60, now: Date.now() + 61_000 });
    expect(swept).toBeGreaterThanOrEqual(1);
    const queued = await t.deps.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: t.queues.deliveries.url, MaxNumberOfMessages: 10 }));
    expect(queued.Messages?.flatMap((m) => JSON.parse(m.Body!).messageIds)).toContain(id);
  });

  it("enqueues an overdue message a worker holds, whose claim makes the second job a no-op, and releases claims when told the workers are gone", async () => {
    await t.deps.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: t.queues.deliveries.url }));
    const [{ messageId: id }] = await acceptSubmission(t.deps, caller, submission(["held@example.org"]));
    expect(await t.deps.messages.claimForDelivery(id, 120)).toBeDefined();

    await sweep(t.deps, { olderThanSeconds: 0, now: Date.now() + 1000 });
    const queued = await t.deps.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: t.queues.deliveries.url, MaxNumberOfMessages: 10 }));
    expect(queued.Messages?.flatMap((m) => JSON.parse(m.Body!).messageIds)).toContain(id);
    expect(await t.deps.messages.claimForDelivery(id, 120)).toBeUndefined(); // what the second job's worker gets

    await sweep(t.deps, { olderThanSeconds: 0, releaseClaims: true });
    expect((await t.deps.messages.getMessage(id))?.claimUntil).toBeUndefined();
    expect(await t.deps.messages.claimForDelivery(id, 120)).toBeDefined();
  });
});

describe("recording statuses", () => {
  let t: TestEnv;
  let caller: Caller;
  beforeAll(async () => {
    t = await makeTestEnv();
    ({ caller } = await makeAccount(t.deps));
  });

  it("records a repeated event once", async () => {
    const [{ messageId: id }] = await acceptSubmission(t.deps, caller, submission(["once@example.org"]));
    const first = await t.deps.status.record(id, { status: "SENT", ts: 1 });
    const again = await t.deps.status.record(id, { status: "SENT", ts: 2 });
    expect(first?.status).toBe("SENT");
    expect(again).toBeUndefined();
    expect((await t.deps.messages.getMessage(id))?.history.filter((h) => h.status === "SENT")).toHaveLength(1);
  });

  it("keeps the furthest status current when events arrive out of order", async () => {
    const [{ messageId: id }] = await acceptSubmission(t.deps, caller, submission(["order@example.org"]));
    await t.deps.status.record(id, { status: "OPENED", ts: 3 });
    await t.deps.status.record(id, { status: "DELIVERED", ts: 2 });
    const message = await t.deps.messages.getMessage(id);
    expect(message?.status).toBe("OPENED");
    expect(message?.history.map((h) => h.status)).toEqual(["ACCEPTED", "OPENED", "DELIVERED"]);
  });

  it("loses no change when many arrive at once", async () => {
    const [{ messageId: id }] = await acceptSubmission(t.deps, caller, submission(["busy@example.org"]));
    await Promise.all(
      (["SENT", "DELIVERED", "OPENED", "CLICKED"] as const).map((status, i) => t.deps.status.record(id, { status, ts: i })),
    );
    const message = await t.deps.messages.getMessage(id);
    expect(new Set(message?.history.map((h) => h.status))).toEqual(new Set(["ACCEPTED", "SENT", "DELIVERED", "OPENED", "CLICKED"]));
    expect(message?.status).toBe("CLICKED");
  });

  it("suppresses on unsubscribe and lifts the suppression on resubscribe", async () => {
    const [{ messageId: id }] = await acceptSubmission(t.deps, caller, submission(["leaving@example.org"]));
    await t.deps.status.record(id, { status: "UNSUBSCRIBED", ts: 1 });
    expect(await t.deps.suppressions.get(caller.accountId, "leaving@example.org")).toMatchObject({ cause: "unsubscribed" });
    await t.deps.status.record(id, { status: "SUBSCRIBED", ts: 2 });
    expect(await t.deps.suppressions.get(caller.accountId, "leaving@example.org")).toBeUndefined();
  });

  it("rejects suppressed recipients at accept time when asked to check", async () => {
    await t.deps.suppressions.add(caller.accountId, { address: "gone@example.org", cause: "manual" });
    const results = await acceptSubmission(
      t.deps,
      caller,
      submission(["gone@example.org", "here@example.org"], { checkSuppression: true }),
    );
    expect(results.map((r) => [r.address, r.status, r.reason])).toEqual([
      ["gone@example.org", "REJECTED", "rejected_unsubscribed"],
      ["here@example.org", "ACCEPTED", undefined],
    ]);
    expect((await t.deps.messages.getMessage(results[0].messageId))?.history).toEqual([
      expect.objectContaining({ status: "REJECTED", reason: "rejected_unsubscribed" }),
    ]);
  });
});
