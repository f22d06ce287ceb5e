// The sweeper (docs/architecture.md): messages recorded but never sent (a crash between record and
// enqueue, a queue that lost its contents) are found through the pending index and enqueued
// again. The worker's claim makes a message enqueued twice harmless.
//
// It is also the scheduler of scheduled sends: every run queues the scheduled messages whose time
// is within SQS's longest delay (15 minutes), delayed until that time, and moves them to their
// ordinary partition, where the usual watch covers them if they are not sent in time. No timer
// waits in memory, so a restart loses nothing; EventBridge Scheduler would add a schedule per
// message, a second copy of the send time to keep in step with cancels and moves.
import type { DeliveryQueue } from "../queue/deliveries.ts";
import { SQS_MAX_DELAY_SECONDS } from "../queue/sqs.ts";
import { PENDING_SHARDS, scheduledShard } from "../store/keys.ts";
import type { MessageStore, OverdueCursor } from "../store/messages.ts";

/** The scheduled sweep's share of each run (every minute, 60 s timeout); the next run takes the rest. */
export const PERIODIC_SWEEP_BUDGET_MS = 30_000;

/** How far ahead scheduled messages are queued: SQS delays a message at most this long. */
export const SCHEDULE_WINDOW_MS = SQS_MAX_DELAY_SECONDS * 1000;

export interface SweepOptions {
  /** Only messages due at least this long ago. */
  olderThanSeconds: number;
  /** At local start-up no worker is alive, so claims left by a killed process are void. */
  releaseClaims?: boolean;
  /**
   * Also queue again, delayed until their time, the messages of the ordinary partitions due
   * within this many seconds (scheduled sends already handed over, retries waiting for their
   * delay): at local start-up the queue stand-in has lost them all.
   */
  aheadSeconds?: number;
  now?: number;
  /** No new page is started after this long. Unset: every shard is read to its end. */
  budgetMs?: number;
  /** Ids read from the index at a time, each page enqueued before the next is read. */
  pageSize?: number;
}

export interface SweepDeps {
  messages: Pick<MessageStore, "listOverdue" | "releaseClaim" | "listWaiting" | "handOver">;
  deliveryQueue: Pick<DeliveryQueue, "enqueue" | "enqueueAt">;
}

/**
 * Queues each message of `shard` due in `range` for its own time, page by page until `deadline`;
 * `then` runs for each once its job is queued. Returns how many were queued.
 */
async function queueForTheirTime(
  deps: SweepDeps,
  shard: string,
  range: { from?: number; until: number },
  options: { now: number; deadline: number; pageSize?: number; releaseClaims?: boolean },
  then?: (entry: { messageId: string; dueAt: number }) => Promise<unknown>,
): Promise<number> {
  let count = 0;
  let startKey: OverdueCursor | undefined;
  do {
    const page = await deps.messages.listWaiting(shard, range, { limit: options.pageSize, startKey });
    if (options.releaseClaims) await Promise.all(page.entries.map((entry) => deps.messages.releaseClaim(entry.messageId)));
    const byTime = new Map<number, string[]>();
    for (const { messageId, dueAt } of page.entries) byTime.set(dueAt, [...(byTime.get(dueAt) ?? []), messageId]);
    await Promise.all([...byTime].map(([dueAt, messageIds]) => deps.deliveryQueue.enqueueAt(messageIds, dueAt, options.now)));
    // Only once queued: a crash before leaves them where the next run finds them again.
    if (then) await Promise.all(page.entries.map(then));
    count += page.entries.length;
    startKey = page.next;
  } while (startKey && Date.now() < options.deadline);
  return count;
}

const shards = () => Array.from({ length: PENDING_SHARDS }, (_, shard) => String(shard));

/** Messages re-enqueued: overdue ones, and (with `aheadSeconds`) those due soon, for their time. */
export async function sweep(deps: SweepDeps, options: SweepOptions): Promise<number> {
  const now = options.now ?? Date.now();
  const dueBefore = now - options.olderThanSeconds * 1000;
  const deadline = options.budgetMs === undefined ? Infinity : Date.now() + options.budgetMs;

  async function sweepShard(shard: string): Promise<number> {
    let count = 0;
    let startKey: OverdueCursor | undefined;
    do {
      const page = await deps.messages.listOverdue(shard, dueBefore, { limit: options.pageSize, startKey });
      // A message still claimed by a live worker is enqueued too: that worker's claim makes the second job a no-op.
      if (options.releaseClaims) await Promise.all(page.messageIds.map((messageId) => deps.messages.releaseClaim(messageId)));
      await deps.deliveryQueue.enqueue(page.messageIds);
      count += page.messageIds.length;
      startKey = page.next;
    } while (startKey && Date.now() < deadline);
    return count;
  }

  const ahead = options.aheadSeconds;
  const counts = await Promise.all(
    shards().flatMap((shard) => [
      sweepShard(shard),
      ...(ahead ? [queueForTheirTime(deps, shard, { from: dueBefore, until: now + ahead * 1000 }, { ...options, now, deadline })] : []),
    ]),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * The scheduler: queues the scheduled messages whose time is within SCHEDULE_WINDOW_MS, each
 * delayed until its time, and hands them over to their ordinary partition. Returns how many.
 */
export async function queueScheduled(
  deps: SweepDeps,
  options: Pick<SweepOptions, "now" | "budgetMs" | "pageSize" | "releaseClaims"> = {},
): Promise<number> {
  const now = options.now ?? Date.now();
  const deadline = options.budgetMs === undefined ? Infinity : Date.now() + options.budgetMs;
  const counts = await Promise.all(
    shards().map((shard) =>
      queueForTheirTime(deps, scheduledShard(shard), { until: now + SCHEDULE_WINDOW_MS }, { ...options, now, deadline }, (entry) =>
        deps.messages.handOver(entry.messageId, entry.dueAt),
      ),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
