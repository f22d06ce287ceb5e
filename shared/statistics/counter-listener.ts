// The status listener that keeps the statistics counters. It hears only changes the status
// service recorded as new (a repeated SES event or a redelivered queue record reaches nobody), and
// moves each message from the row its history put it in before the change to the row it puts it
// in after, in the bucket of the hour the message was created. The changes of one call, and of
// calls that come in while a write is in flight, go out together: one UpdateItem per slice and
// hour, not one per message.
//
// The guarantee (docs/http-api.md, statistics): a change is counted at most once. It is counted
// after the status is stored; if the process dies between the two writes, or the counter write
// keeps failing after its retries, that change is missing from the counters (and logged), never
// counted twice.
import { countsDelta, dimensionsOf, hourKeyOf, statsStateOf, type Counts } from "../domain/statistics.ts";
import type { StatusEvent, StatusListener } from "../domain/status.ts";
import { coalesce } from "../lib/coalesce.ts";
import { log } from "../log.ts";
import type { CounterDelta, CounterStore } from "../store/counters.ts";

/** Deltas of one batch of status events, merged by slice and hour. */
export function deltasOf(events: StatusEvent[]): CounterDelta[] {
  const byMessage = new Map<string, StatusEvent[]>();
  for (const event of events) {
    const list = byMessage.get(event.message.messageId);
    if (list) list.push(event);
    else byMessage.set(event.message.messageId, [event]);
  }
  const deltas: CounterDelta[] = [];
  for (const list of byMessage.values()) {
    // Every event of one message carries the message as it is after all of them.
    const message = list[list.length - 1].message;
    const changes = list.map((e) => e.change);
    const history = message.history ?? [];
    const tail = history.slice(history.length - changes.length);
    // The recorded changes are the end of the stored history. A message announced at its
    // creation comes without one: its history is these changes alone.
    const recordedAtEnd = history.length >= changes.length && tail.every((h, i) => h.status === changes[i].status);
    const after = recordedAtEnd ? history : [...history, ...changes];
    const before = after.slice(0, after.length - changes.length);
    const delta = countsDelta(statsStateOf(before), statsStateOf(after));
    if (Object.keys(delta).length === 0) continue;
    const hour = hourKeyOf(message.createdAt);
    for (const dimension of dimensionsOf(message)) deltas.push({ accountId: message.accountId, dimension, hour, counts: delta });
  }
  return mergeDeltas(deltas).filter((d) => Object.values(d.counts).some((n) => n !== 0));
}

export function makeCounterListener(deps: { counters: Pick<CounterStore, "add"> }): StatusListener {
  const write = coalesce<CounterDelta[]>(
    async (batches) => {
      await deps.counters.add(mergeDeltas(batches.flat()));
    },
    { maxBatch: 500, maxInFlight: 1 },
    (deltas) => deltas.length,
  );
  return async (events) => {
    const deltas = deltasOf(events);
    if (deltas.length === 0) return;
    try {
      await write(deltas);
    } catch (error) {
      // The status is stored and must stand: a counter write that failed every retry is logged, not thrown.
      log.error("statistics counters not updated", { error: String(error), deltas: JSON.stringify(deltas).slice(0, 2000) });
    }
  };
}

/** One delta per slice and hour. */
function mergeDeltas(deltas: CounterDelta[]): CounterDelta[] {
  const merged = new Map<string, CounterDelta>();
  for (const delta of deltas) {
    const id = `${delta.accountId}\n${delta.dimension}\n${delta.hour}`;
    const into = merged.get(id);
    if (!into) merged.set(id, { ...delta, counts: { ...delta.counts } });
    else for (const [name, n] of Object.entries(delta.counts) as [keyof Counts, number][]) into.counts[name] = (into.counts[name] ?? 0) + n;
  }
  return [...merged.values()];
}
