// Sends parked webhook records (those whose every attempt failed) back to the webhooks queue,
// where they get a fresh set of attempts. An account's replay reads and takes only its own
// records (shared/store/webhook-records.ts keeps them under the account's own key), so it can neither
// hide nor move anyone else's.
//
// Each record is written to the outbox first, then taken off the parked list with a conditional
// delete, then sent. A crash at any point leaves the record parked or in the outbox (which the
// sweeper sends), never lost; and of two replays at once only the one whose delete succeeded
// sends it, so a concurrent replay does not post it twice.
import { log } from "../log.ts";
import { WEBHOOK_SHARDS, type ParkedEntry, type WebhookRecordStore } from "../store/webhook-records.ts";
import type { WebhookQueue } from "../queue/webhooks.ts";

export interface ReplayDeps {
  outbox: Pick<WebhookRecordStore, "add" | "remove" | "listParked" | "takeParked">;
  queue: Pick<WebhookQueue, "send">;
}

export interface ReplayOptions {
  /** Only this account's records; every account's when absent (the operator's replay). */
  accountId?: string;
  /** Start no new page after this long (one page is always done), so an HTTP call answers in time. */
  budgetMs?: number;
  /** Records read and sent at a time. */
  pageSize?: number;
}

/** `complete` is true only when the replay reached the end of the parked records. */
export async function replayParkedWebhooks(
  deps: ReplayDeps,
  options: ReplayOptions = {},
): Promise<{ replayed: number; complete: boolean }> {
  const deadline = Date.now() + (options.budgetMs ?? 20_000);
  const scopes = options.accountId ? [{ accountId: options.accountId }] : Array.from({ length: WEBHOOK_SHARDS }, (_, shard) => ({ shard }));
  let replayed = 0;
  for (const [index, scope] of scopes.entries()) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.outbox.listParked(scope, startKey, options.pageSize);
      replayed += await replayPage(deps, page.entries);
      startKey = page.next;
      // At least one page a call, so calling again always gets further.
      if ((startKey || index < scopes.length - 1) && Date.now() >= deadline) {
        log.info("webhook replay stopped at its time budget; call it again for the rest", { replayed, accountId: options.accountId });
        return { replayed, complete: false };
      }
    } while (startKey);
  }
  return { replayed, complete: true };
}

async function replayPage(deps: ReplayDeps, entries: ParkedEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const queued = await deps.outbox.add(entries.map((entry) => entry.job));
  const taken = await Promise.all(entries.map((entry) => deps.outbox.takeParked(entry.key)));
  const mine = queued.filter((_, i) => taken[i]);
  const theirs = queued.filter((_, i) => !taken[i]);
  // Another replay took these first and sends them itself.
  if (theirs.length > 0) await deps.outbox.remove(theirs.map((job) => job.outbox!));
  await deps.queue.send(mine);
  return mine.length;
}
