// The sweeper (DESIGN §5): messages recorded but never sent (a crash between record and
// enqueue, a queue that lost its contents) are found through the pending index and enqueued
// again. The worker's claim makes a message enqueued twice harmless.
import type { DeliveryQueue } from "../queue/deliveries.ts";
import { PENDING_SHARDS } from "../store/keys.ts";
import type { MessageStore } from "../store/messages.ts";

export interface SweepOptions {
  /** Only messages due at least this long ago. */
  olderThanSeconds: number;
  /** At local start-up no worker is alive, so claims left by a killed process are void. */
  releaseClaims?: boolean;
  now?: number;
}

export async function sweep(deps: { messages: MessageStore; deliveryQueue: DeliveryQueue }, options: SweepOptions): Promise<number> {
  const now = options.now ?? Date.now();
  const dueBefore = now - options.olderThanSeconds * 1000;
  let count = 0;
  for (let shard = 0; shard < PENDING_SHARDS; shard++) {
    const overdue = await deps.messages.listOverdue(String(shard), dueBefore);
    // A message still claimed by a live worker is enqueued too: that worker's claim makes the second job a no-op.
    if (options.releaseClaims) await Promise.all(overdue.map((messageId) => deps.messages.releaseClaim(messageId)));
    await deps.deliveryQueue.enqueue(overdue);
    count += overdue.length;
  }
  return count;
}
