// The rollup of closed days (docs/architecture.md, statistics): a day's counters can change
// until every message created that day has expired (RETENTION_HOURS after the day's end). Then,
// for every slice that had counters that day, the hour items of all shards are summed into one
// day item (with its hours, for answers in any time zone), and the month item is made again
// from the month's day items. Writes are puts of sums, so a rollup that stops halfway and runs
// again gives the same items; a day is marked done only when all of its slices are.
import { DAY_MS, HOUR_MS, addCounts, hourKeyOf, hourStart, zeroCounts, type Counts } from "../domain/statistics.ts";
import { concurrencyLimit } from "../lib/concurrency.ts";
import type { CounterStore } from "../store/counters.ts";
import { HOUR_ITEM_DAYS } from "../store/counters.ts";

/** Room for a status change read just before its message expired to reach the counters. */
const CLOSE_MARGIN_MS = HOUR_MS;

export interface RollupDeps {
  counters: Pick<CounterStore, "hours" | "days" | "putDay" | "putMonth" | "marks" | "unmark" | "rolledThrough" | "setRolledThrough">;
  retentionHours: number;
}

const dayKeyOf = (ms: number) => hourKeyOf(ms).slice(0, 8);

/** The last day whose every message has expired at `now`. */
export const lastClosedDay = (now: number, retentionHours: number) =>
  dayKeyOf(Math.floor((now - retentionHours * HOUR_MS - CLOSE_MARGIN_MS) / DAY_MS) * DAY_MS - DAY_MS);

export async function rollUpStatistics(
  deps: RollupDeps,
  options: { now?: number; budgetMs?: number } = {},
): Promise<{ days: string[]; slices: number; done: boolean }> {
  const now = options.now ?? Date.now();
  const deadline = Date.now() + (options.budgetMs ?? Infinity);
  const last = lastClosedDay(now, deps.retentionHours);
  // Before the first rollup, start where the oldest hour items that may still exist are.
  let day = nextDay((await deps.counters.rolledThrough()) ?? dayKeyOf(now - (HOUR_ITEM_DAYS + 1) * DAY_MS));
  const days: string[] = [];
  let slices = 0;
  const limit = concurrencyLimit(4);
  while (day <= last) {
    if (Date.now() > deadline) return { days, slices, done: false };
    const marks = await deps.counters.marks(day);
    await Promise.all(
      marks.map((mark) =>
        limit(async () => {
          await rollUpSlice(deps, mark.accountId, mark.dimension, day);
          await deps.counters.unmark(day, mark.accountId, mark.dimension);
        }),
      ),
    );
    slices += marks.length;
    await deps.counters.setRolledThrough(day);
    days.push(day);
    day = nextDay(day);
  }
  return { days, slices, done: true };
}

async function rollUpSlice(deps: RollupDeps, accountId: string, dimension: string, day: string) {
  const hours = await deps.counters.hours(accountId, dimension, `${day}00`, `${day}23`);
  const total = zeroCounts();
  const byHour: Record<string, Counts> = {};
  for (const [hour, counts] of hours) {
    byHour[hour.slice(8)] = counts;
    addCounts(total, counts);
  }
  await deps.counters.putDay(accountId, dimension, { day, total, hours: byHour });
  const month = day.slice(0, 6);
  const monthDays = await deps.counters.days(accountId, dimension, `${month}01`, `${month}31`);
  await deps.counters.putMonth(
    accountId,
    dimension,
    month,
    monthDays.reduce((sum, d) => addCounts(sum, d.total), zeroCounts()),
  );
}

const nextDay = (day: string) => dayKeyOf(hourStart(day) + DAY_MS);
