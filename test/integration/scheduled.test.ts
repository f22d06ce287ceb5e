// Scheduled sends against the stand-ins: a send later than SQS's longest delay waits in the
// sweeper's index, not in the queue; the sweeper queues it once it is within that delay, once;
// it cannot be claimed before its time; cancelled or moved, it is not sent at the old time.
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { queueScheduled } from "../../shared/deliver/sweep.ts";
import type { Caller } from "../../shared/domain/account.ts";
import { latestSendAt } from "../../shared/domain/schedule.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";
import { cancelScheduled, moveScheduled } from "../../shared/scheduled/manage.ts";
import { SCHEDULED_SHARD_PREFIX } from "../../shared/store/keys.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

const MINUTE = 60_000;

describe("scheduled sends", () => {
  let t: TestEnv;
  let caller: Caller;
  const now = Date.now();

  const schedule = async (sendAt: number, address = "later@example.org") => {
    const submission: Submission = {
      from: { address: "shop@example.com" },
      subject: "Later",
      text: "Later",
      recipients: [{ index: 0, address, mergeFields: {}, extraData: {} }],
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
      sendAt,
      latestSendAt: latestSendAt(now),
    };
    const [accepted] = await acceptSubmission(t.deps, caller, submission, now);
    expect(accepted.status).toBe("SCHEDULED");
    return accepted.messageId;
  };
  const queuedJobs = async () =>
    (
      await t.deps.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: t.queues.deliveries.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      )
    ).Messages ?? [];
  const scheduledDeps = () => ({ ...t.deps, retentionHours: t.config.retentionHours });

  beforeAll(async () => {
    t = await makeTestEnv();
    ({ caller } = await makeAccount(t.deps));
  });

  it("keeps a send an hour ahead out of the queue until the sweeper's run 15 minutes before, then queues it once", async () => {
    const sendAt = now + 60 * MINUTE;
    const id = await schedule(sendAt);
    expect(await queuedJobs()).toEqual([]);
    expect((await t.deps.messages.getMessage(id))?.pendingShard?.startsWith(SCHEDULED_SHARD_PREFIX)).toBe(true);

    expect(await queueScheduled(t.deps, { now: now + 30 * MINUTE })).toBe(0);
    expect(await queueScheduled(t.deps, { now: sendAt - 10 * MINUTE })).toBe(1);
    // Handed over to its ordinary partition: the next run does not queue it again.
    expect((await t.deps.messages.getMessage(id))?.pendingShard?.startsWith(SCHEDULED_SHARD_PREFIX)).toBe(false);
    expect(await queueScheduled(t.deps, { now: sendAt - 9 * MINUTE })).toBe(0);

    expect(await t.deps.messages.claimForDelivery(id, 60, sendAt - 1000)).toBeUndefined();
    expect((await t.deps.messages.claimForDelivery(id, 60, sendAt))?.messageId).toBe(id);
  });

  it("cancels: CANCELLED, out of the index, never claimed", async () => {
    const sendAt = now + 90 * MINUTE;
    const id = await schedule(sendAt, "cancel@example.org");
    const answer = await cancelScheduled(scheduledDeps(), caller, id, now);
    expect(answer.Result).toMatchObject({ Cancelled: 1, Messages: [{ MessageId: id, Status: "CANCELLED" }] });
    expect(await queueScheduled(t.deps, { now: sendAt })).toBe(0);
    expect(await t.deps.messages.claimForDelivery(id, 60, sendAt + 1000)).toBeUndefined();
    expect((await t.deps.messages.getMessage(id))?.history.map((h) => h.status)).toEqual(["SCHEDULED", "CANCELLED"]);
  });

  it("moves: not sent at the old time, sent at the new one; another account cannot touch it", async () => {
    const oldTime = now + 120 * MINUTE;
    const newTime = now + 180 * MINUTE;
    const id = await schedule(oldTime, "move@example.org");

    const other = await makeAccount(t.deps);
    await expect(cancelScheduled(scheduledDeps(), other.caller, id, now)).rejects.toMatchObject({ code: "not_found" });

    const moved = await moveScheduled(scheduledDeps(), caller, id, { SendAt: new Date(newTime).toISOString() }, now);
    expect(moved.Result).toMatchObject({ Moved: 1, SendAt: new Date(newTime).toISOString() });
    expect(await t.deps.messages.claimForDelivery(id, 60, oldTime + 1000)).toBeUndefined();
    expect((await t.deps.messages.claimForDelivery(id, 60, newTime))?.messageId).toBe(id);

    await expect(
      moveScheduled(scheduledDeps(), caller, id, { SendAt: new Date(now + 31 * 24 * 60 * MINUTE).toISOString() }, now),
    ).rejects.toMatchObject({ code: "validation_error", reasons: [{ key: "send_at_out_of_range", ref: "SendAt" }] });
  });
});
