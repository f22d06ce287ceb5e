// The sweeper against the stand-ins: messages recorded but no longer in the queue (a crash, a
// queue that lost its contents) are all found and enqueued again.
import { beforeAll, describe, expect, it } from "vitest";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { sweep } from "../../shared/deliver/sweep.ts";
import { messageIdFor, newId } from "../../shared/domain/ids.ts";
import { DEFAULT_OPTIONS } from "../../shared/domain/submission.ts";

import { makeTestEnv, type TestEnv } from "../support/integration.ts";
import type { NewMessage } from "../../shared/domain/message.ts";

let t: TestEnv;
beforeAll(async () => {
  t = await makeTestEnv();
});

/** Messages recorded as ACCEPTED whose delivery jobs were lost: what a kill -9 of the local platform leaves. */
async function recordWithoutJobs(count: number, now = Date.now()): Promise<string[]> {
  const messages: NewMessage[] = Array.from({ length: count }, () => {
    const submissionId = newId();
    return {
      messageId: messageIdFor(submissionId, 0), // single-recipient requests: the most common message
      accountId: "sweep-account",
      submissionId,
      bodyKey: `inline/sweep-account/${submissionId}`,
      from: { address: "shop@example.com" },
      to: { address: "ivan@example.org" },
      subject: "Hi",
      mergeFields: {},
      extraData: {},
      options: DEFAULT_OPTIONS,
      status: "ACCEPTED",
      createdAt: now,
      expiresAt: Math.floor(now / 1000) + 3600,
    };
  });
  const work = t.deps.unitsOfWork.begin();
  t.deps.messages.stage(work, messages, now);
  await work.commit();
  return messages.map((m) => m.messageId);
}

async function drainDeliveryQueue(): Promise<string[]> {
  const ids: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const received = await t.deps.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: t.queues.deliveries.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) empty++;
    for (const message of messages) ids.push(...(JSON.parse(message.Body!).messageIds as string[]));
  }
  return ids;
}

describe("the start-up sweep", () => {
  // 1,200 messages, each read back by the sweeper: over a minute on a machine under load.
  it("re-enqueues every overdue message in one run, not a page of each shard", { timeout: 180_000 }, async () => {
    const recorded = await recordWithoutJobs(1200);

    // Small pages, so each shard takes several.
    const swept = await sweep(t.deps, { olderThanSeconds: 0, releaseClaims: true, now: Date.now() + 1000, pageSize: 5 });

    expect(swept).toBe(1200);
    const enqueued = await drainDeliveryQueue();
    expect(new Set(enqueued)).toEqual(new Set(recorded));
  });
});

// A message's entry in the sweeper's index stays once it is sent (no index write to take it
// out); each run reads the entries due since the last run. These are the cases the sweeper is
// there for, with a clock of its own per test (hours apart, so one test's runs do not hide the
// next one's entries).
describe("the periodic sweep, reading from where its last run stopped", () => {
  const HOUR = 3_600_000;
  const MINUTE = 60_000;
  let base = Date.now() + HOUR;
  const nextClock = () => (base += 10 * HOUR);
  const sent = (id: string, at: number) => t.deps.messages.recordStatus(id, { status: "SENT", ts: at });

  it("leaves a sent message's index entry where it was: sending writes no index", async () => {
    const at = nextClock();
    const [id] = await recordWithoutJobs(1, at);
    const before = await t.deps.messages.getMessage(id);
    await t.deps.messages.claimForDelivery(id, 120, at);
    await sent(id, at + 1);

    const after = await t.deps.messages.getMessage(id);
    expect(after).toMatchObject({ status: "SENT", pendingShard: before?.pendingShard, dueAt: before?.dueAt });
    expect(after?.claimUntil).toBeUndefined();
  });

  it("enqueues what was recorded but never queued (a crash between the write and the queue), and no sent message", async () => {
    const at = nextClock();
    await drainDeliveryQueue();
    const lost = await recordWithoutJobs(3, at);
    const [done] = await recordWithoutJobs(1, at);
    await t.deps.messages.claimForDelivery(done, 120, at);
    await sent(done, at + 1);

    expect(await sweep(t.deps, { olderThanSeconds: 300, now: at + MINUTE })).toBe(0); // not overdue yet
    expect(await sweep(t.deps, { olderThanSeconds: 300, now: at + 6 * MINUTE })).toBe(3);
    const enqueued = await drainDeliveryQueue();
    expect(enqueued).toEqual(expect.arrayContaining(lost));
    expect(enqueued).not.toContain(done);
  });

  it("keeps enqueuing a message still waiting run after run (its job lost again), until it is sent", async () => {
    const at = nextClock();
    await drainDeliveryQueue();
    const [id] = await recordWithoutJobs(1, at);
    // A worker holds it when the first run sees it, then dies with its job.
    await t.deps.messages.claimForDelivery(id, 60, at + 5 * MINUTE);

    for (let run = 6; run <= 30; run++) await sweep(t.deps, { olderThanSeconds: 300, now: at + run * MINUTE });
    const enqueued = await drainDeliveryQueue();
    // Seen past its due time, and again each time it came due again (every SWEEP_AFTER_SECONDS).
    expect(enqueued.filter((x) => x === id).length).toBeGreaterThanOrEqual(4);

    await t.deps.messages.claimForDelivery(id, 60, at + 31 * MINUTE);
    await sent(id, at + 31 * MINUTE);
    for (let run = 32; run <= 45; run++) await sweep(t.deps, { olderThanSeconds: 300, now: at + run * MINUTE });
    expect(await drainDeliveryQueue()).not.toContain(id);
  });

  it("enqueues a retry once its new due time has passed, not before", async () => {
    const at = nextClock();
    await drainDeliveryQueue();
    const [id] = await recordWithoutJobs(1, at);
    await t.deps.messages.claimForDelivery(id, 60, at);
    await t.deps.messages.scheduleRetry(id, at + 20 * MINUTE, "451 try later");

    // Not while its retry is ahead, nor in the 5 minutes' grace after it (20 + 5 minutes in).
    for (let run = 1; run <= 25; run++) await sweep(t.deps, { olderThanSeconds: 300, now: at + run * MINUTE });
    expect(await drainDeliveryQueue()).not.toContain(id);
    for (let run = 26; run <= 27; run++) await sweep(t.deps, { olderThanSeconds: 300, now: at + run * MINUTE });
    expect(await drainDeliveryQueue()).toContain(id);
  });

  it("a run stopped by its deadline leaves the rest to the next run, which picks up where it stopped", async () => {
    const at = nextClock();
    await drainDeliveryQueue();
    const recorded = await recordWithoutJobs(300, at);

    const first = await sweep(t.deps, { olderThanSeconds: 0, now: at + MINUTE, pageSize: 2, budgetMs: 0 });
    expect(first).toBeLessThan(300);
    const second = await sweep(t.deps, { olderThanSeconds: 0, now: at + 2 * MINUTE, pageSize: 500 });
    expect(first + second).toBeGreaterThanOrEqual(300);
    expect(await drainDeliveryQueue()).toEqual(expect.arrayContaining(recorded));
  });
});
