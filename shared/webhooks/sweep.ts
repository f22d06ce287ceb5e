// The webhook outbox's sweeper: a record still in the outbox long after it was queued was lost
// on the way (a crash between the outbox write and the queue, the local queue stand-in's
// contents gone with a killed process, a consumer that crashed on every receive), so it is sent
// again. Receivers drop a record they already took by its events' eventId. A record sent again
// MAX_SWEEPS times without the consumer ever finishing it is parked, so it stops going round.
import type { Config } from "../config.ts";
import { WEBHOOK_SHARDS, type WebhookRecordStore } from "../store/webhook-records.ts";
import type { WebhookQueue } from "../queue/webhooks.ts";

const MAX_SWEEPS = 3;

export interface WebhookSweepDeps {
  outbox: Pick<WebhookRecordStore, "listOverdue" | "markSwept" | "park">;
  queue: Pick<WebhookQueue, "send">;
}

/**
 * How old an outbox record must be before the sweeper sends it again: longer than a record can
 * spend in the queue with every attempt timing out and every retry's wait, plus the margin the
 * message sweeper leaves, so a record still on its way is not sent twice.
 */
export const webhookSweepAfterSeconds = (config: Pick<Config, "sweepAfterSeconds" | "webhooks">, attempts: number) =>
  config.sweepAfterSeconds + attempts * (config.webhooks.retrySeconds + Math.ceil(config.webhooks.timeoutMs / 1000));

export async function sweepWebhookOutbox(
  deps: WebhookSweepDeps,
  options: { olderThanSeconds: number; now?: number },
): Promise<{ resent: number; parked: number }> {
  const now = options.now ?? Date.now();
  const before = now - options.olderThanSeconds * 1000;
  let resent = 0;
  let parked = 0;
  for (let shard = 0; shard < WEBHOOK_SHARDS; shard++) {
    const overdue = (await deps.outbox.listOverdue(shard, before, now)).map((entry) => ({
      ...entry,
      job: { ...entry.job, outbox: entry.key },
    }));
    const worn = overdue.filter((entry) => entry.sweeps >= MAX_SWEEPS);
    if (worn.length > 0) {
      await deps.outbox.park(
        worn.map(({ job }) => ({ job, reason: `sent again ${MAX_SWEEPS} times by the sweeper and never finished by the consumer` })),
        now,
      );
      parked += worn.length;
    }
    const again = overdue.filter((entry) => entry.sweeps < MAX_SWEEPS);
    // Counted before it is sent: a crash in between costs one round of the count, never a loop.
    const stillThere = await Promise.all(again.map((entry) => deps.outbox.markSwept(entry.key, now)));
    const jobs = again.filter((_, i) => stillThere[i]).map((entry) => entry.job);
    if (jobs.length > 0) await deps.queue.send(jobs);
    resent += jobs.length;
  }
  return { resent, parked };
}
