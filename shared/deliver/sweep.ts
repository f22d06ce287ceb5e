// The sweeper (docs/architecture.md): messages recorded but never sent (a crash between record and
// enqueue, a queue that lost its contents) are found through the pending index and enqueued
// again. The worker's claim makes a message enqueued twice harmless.
import type { DeliveryQueue } from "../queue/deliveries.ts";
import { PENDING_SHARDS } from "../store/keys.ts";
import type { MessageStore, OverdueCursor } from "../store/messages.ts";

/** The scheduled sweep's share of each run (every minute, 60 s timeout); the next run takes the rest. */
export const PERIODIC_SWEEP_BUDGET_MS = 30_000;

export interface SweepOptions {
  /** Only messages due at least this long ago. */
  olderThanSeconds: number;
  /** At local start-up no worker is alive, so claims left by a killed process are void. */
  releaseClaims?: boolean;
  now?: number;
  /** No new page is started after this long. Unset: every shard is read to its end. */
  budgetMs?: number;
  /** Ids read from the index at a time, each page enqueued before the next is read. */
  pageSize?: number;
}

export interface SweepDeps {
  messages: Pick<MessageStore, "listOverdue" | "releaseClaim">;
  deliveryQueue: Pick<DeliveryQueue, "enqueue">;
}

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

  const counts = await Promise.all(Array.from({ length: PENDING_SHARDS }, (_, shard) => sweepShard(String(shard))));
  return counts.reduce((a, b) => a + b, 0);
}
