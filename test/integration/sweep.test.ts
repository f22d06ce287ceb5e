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
  it("re-enqueues every overdue message in one run, not a page of each shard", async () => {
    const recorded = await recordWithoutJobs(1200);

    // Small pages, so each shard takes several.
    const swept = await sweep(t.deps, { olderThanSeconds: 0, releaseClaims: true, now: Date.now() + 1000, pageSize: 5 });

    expect(swept).toBe(1200);
    const enqueued = await drainDeliveryQueue();
    expect(new Set(enqueued)).toEqual(new Set(recorded));
  });
});
