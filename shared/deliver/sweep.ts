// The sweeper (docs/architecture.md): messages recorded but never sent (a crash between record and
// enqueue, a queue that lost its contents) are found through the pending index and enqueued
// again. The worker's claim makes a message enqueued twice harmless. The index keeps a message's
// entry once it is sent; the sweeper reads each partition from where its last run stopped.
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
  messages: Pick<MessageStore, "releaseClaim" | "listWaiting" | "handOver" | "getMany" | "dueAgain" | "sweptUntil" | "markSwept">;
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

/**
 * How far before a partition's mark each run reads again: the clocks of different hosts, and a
 * due time written a moment after it was taken. Entries in it are read twice.
 */
export const SWEEP_OVERLAP_MS = 10_000;

const isWaiting = (status: string) => status === "ACCEPTED" || status === "SCHEDULED";

/**
 * Messages re-enqueued: overdue ones, and (with `aheadSeconds`) those due soon, for their time.
 *
 * A message's entry in the sweeper's index stays after it is sent (taking it out would cost an
 * index write a message), so each run reads only the entries that came due since the last run
 * (from each partition's mark, less SWEEP_OVERLAP_MS), reads their messages and enqueues those
 * still waiting. One still waiting that the next run would not read again is made due again
 * now: the sweeper keeps seeing it until it is sent, as it did when only waiting messages had
 * an entry.
 */
export async function sweep(deps: SweepDeps, options: SweepOptions): Promise<number> {
  const now = options.now ?? Date.now();
  const dueBefore = now - options.olderThanSeconds * 1000;
  const deadline = options.budgetMs === undefined ? Infinity : Date.now() + options.budgetMs;
  const marks = await deps.messages.sweptUntil();

  /** Enqueues the waiting messages of one partition; returns how many, and how far it read. */
  async function sweepShard(shard: string): Promise<{ count: number; until: number }> {
    const from = Math.max(0, (marks[shard] ?? 0) - SWEEP_OVERLAP_MS);
    let count = 0;
    let lastDue = from;
    let startKey: OverdueCursor | undefined;
    do {
      const page = await deps.messages.listWaiting(shard, { from, until: dueBefore - 1 }, { limit: options.pageSize, startKey });
      const messages = page.entries.length
        ? await deps.messages.getMany(
            page.entries.map((entry) => entry.messageId),
            now,
          )
        : [];
      const waiting = new Set(messages.filter((message) => isWaiting(message.status)).map((message) => message.messageId));
      const entries = page.entries.filter((entry) => waiting.has(entry.messageId));
      // A message still claimed by a live worker is enqueued too: that worker's claim makes the second job a no-op.
      if (options.releaseClaims) await Promise.all(entries.map((entry) => deps.messages.releaseClaim(entry.messageId)));
      await deps.deliveryQueue.enqueue(entries.map((entry) => entry.messageId));
      // Only once queued: a crash before leaves them where the next run reads again.
      const fallingOut = entries.filter((entry) => entry.dueAt < dueBefore - SWEEP_OVERLAP_MS);
      await Promise.all(fallingOut.map((entry) => deps.messages.dueAgain(entry.messageId, now)));
      count += entries.length;
      if (page.entries.length) lastDue = page.entries[page.entries.length - 1].dueAt;
      startKey = page.next;
    } while (startKey && Date.now() < deadline);
    // Stopped by the deadline: the next run starts where this one stopped.
    return { count, until: startKey ? lastDue : dueBefore };
  }

  const ahead = options.aheadSeconds;
  const all = shards();
  const [swept, queued] = await Promise.all([
    Promise.all(all.map(sweepShard)),
    Promise.all(
      ahead
        ? all.map((shard) => queueForTheirTime(deps, shard, { from: dueBefore, until: now + ahead * 1000 }, { ...options, now, deadline }))
        : [],
    ),
  ]);
  await deps.messages.markSwept(Object.fromEntries(all.map((shard, i) => [shard, swept[i].until])));
  return [...swept.map((s) => s.count), ...queued].reduce((a, b) => a + b, 0);
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
