// GET /email/statistics from the counters, never from messages (docs/http-api.md, statistics).
// A period is read in three parts: what the rollup closed, from month items for whole UTC months
// and day items for the rest (their hours for the edges, and for every day when grouping, since a
// day in the caller's zone is not a UTC day); and what is still open, from the hour items of every
// shard. A year is at most one month query, two day queries and one query per hour shard.
import {
  DAY_MS,
  HOUR_MS,
  addCounts,
  hourKeyOf,
  hourStart,
  statisticsRows,
  zeroCounts,
  type Counts,
  type StatisticsRows,
} from "../domain/statistics.ts";
import { COUNTER_SHARDS } from "../store/keys.ts";
import type { CounterStore, RolledDay } from "../store/counters.ts";
import type { StatisticsQuery } from "./periods.ts";
import { dateLabel, timeLabel } from "./time-zones.ts";

export type StatisticsReader = Pick<CounterStore, "hours" | "days" | "months" | "rolledThrough">;

export interface StatisticsBucket {
  start: number;
  label: string;
  counts: Counts;
}

export interface StatisticsAnswer {
  query: StatisticsQuery;
  counts: Counts;
  buckets?: StatisticsBucket[];
  /** DynamoDB requests the answer took (the bench reports it). */
  reads: number;
}

const dayKeyOf = (ms: number) => hourKeyOf(ms).slice(0, 8);
const monthStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const nextMonth = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

export async function readStatistics(
  counters: StatisticsReader,
  scope: { accountId: string; dimension: string },
  query: StatisticsQuery,
): Promise<StatisticsAnswer> {
  const { accountId, dimension } = scope;
  const { from, to } = query;
  const rolled = await counters.rolledThrough();
  let reads = 1;
  // [from, split) is closed and rolled up; [split, to) is read from the hour items.
  const split = Math.min(Math.max(rolled ? hourStart(rolled) + DAY_MS : from, from), to);
  const hourly = new Map<number, Counts>();
  const bulk = zeroCounts();
  const addHour = (ms: number, counts: Counts) => hourly.set(ms, addCounts(hourly.get(ms) ?? zeroCounts(), counts));

  /** Days of [start, end): whole days into `bulk` unless every hour is wanted, the hours within otherwise. */
  const addDays = (days: RolledDay[], start: number, end: number, wantHours: boolean) => {
    for (const day of days) {
      const dayStart = hourStart(day.day);
      if (!wantHours && dayStart >= start && dayStart + DAY_MS <= end) {
        addCounts(bulk, day.total);
        continue;
      }
      for (const [hh, counts] of Object.entries(day.hours)) {
        const ms = dayStart + Number(hh) * HOUR_MS;
        if (ms >= start && ms < end) addHour(ms, counts);
      }
    }
  };
  const readDays = async (start: number, end: number, wantHours: boolean) => {
    if (start >= end) return;
    reads++;
    addDays(await counters.days(accountId, dimension, dayKeyOf(start), dayKeyOf(end - 1)), start, end, wantHours);
  };

  const work: Promise<void>[] = [];
  if (split < to) {
    reads += COUNTER_SHARDS;
    work.push(
      counters.hours(accountId, dimension, hourKeyOf(split), hourKeyOf(to - HOUR_MS)).then((hours) => {
        for (const [hour, counts] of hours) addHour(hourStart(hour), counts);
      }),
    );
  }
  if (from < split) {
    if (query.groupBy) work.push(readDays(from, split, true));
    else {
      // Whole UTC months inside the closed part come from month items, the rest from day items.
      const firstWhole = monthStart(from) === from ? from : nextMonth(from);
      const lastWholeEnd = monthStart(split);
      if (firstWhole < lastWholeEnd) {
        reads++;
        work.push(
          counters.months(accountId, dimension, dayKeyOf(firstWhole).slice(0, 6), dayKeyOf(lastWholeEnd - 1).slice(0, 6)).then((months) => {
            for (const m of months) addCounts(bulk, m.total);
          }),
          readDays(from, firstWhole, false),
          readDays(lastWholeEnd, split, false),
        );
      } else work.push(readDays(from, split, false));
    }
  }
  await Promise.all(work);

  const counts = [...hourly.values()].reduce(addCounts, bulk);
  return { query, counts, buckets: query.groupBy ? bucketsOf(hourly, query) : undefined, reads };
}

/** Every hour (or every day in the caller's zone) of the period, empty ones included. */
function bucketsOf(hourly: Map<number, Counts>, query: StatisticsQuery): StatisticsBucket[] {
  const buckets: StatisticsBucket[] = [];
  for (let ms = query.from; ms < query.to; ms += HOUR_MS) {
    const label = query.groupBy === "hour" ? timeLabel(ms, query.timeZone) : dateLabel(ms, query.timeZone);
    if (buckets.at(-1)?.label !== label) buckets.push({ start: ms, label, counts: zeroCounts() });
    const counts = hourly.get(ms);
    if (counts) addCounts(buckets.at(-1)!.counts, counts);
  }
  return buckets;
}

// --- The answer's shape: the seed's rows, in its order, with percentages of Total. ---

const ROW_ORDER: [string, keyof StatisticsRows][] = [
  ["Billed", "billed"],
  ["Sending", "sending"],
  ["Sent", "sent"],
  ["Delivered", "delivered"],
  ["Opened", "opened"],
  ["Clicked", "clicked"],
  ["DeliveryErrors", "deliveryErrors"],
  ["Rejected", "rejected"],
  ["Unsubscribed", "unsubscribed"],
  ["Total", "total"],
];

export interface RowView {
  Row: string;
  Count: number;
  Percent?: number;
}

export function rowsView(counts: Counts): RowView[] {
  const rows = statisticsRows(counts);
  const percent = (n: number) => (rows.total === 0 ? 0 : Math.round((n / rows.total) * 10_000) / 100);
  return [
    ...ROW_ORDER.map(([Row, name]) => ({ Row, Count: rows[name], Percent: percent(rows[name]) })),
    // Never billed, so outside Total: shown beside it.
    { Row: "Cancelled", Count: rows.cancelled },
  ];
}

export function statisticsView(answer: StatisticsAnswer) {
  const { query } = answer;
  return {
    From: new Date(query.from).toISOString(),
    To: new Date(query.to).toISOString(),
    TimeZone: query.timeZone,
    ...(query.period ? { Period: query.period } : {}),
    ...(query.projectId ? { ProjectId: query.projectId } : {}),
    ...(query.tag !== undefined ? { Tag: query.tag } : {}),
    Rows: rowsView(answer.counts),
    ...(answer.buckets
      ? {
          GroupBy: query.groupBy,
          Buckets: answer.buckets.map((b) => ({
            Start: new Date(b.start).toISOString(),
            [query.groupBy === "hour" ? "Hour" : "Date"]: b.label,
            Rows: rowsView(b.counts),
          })),
        }
      : {}),
  };
}
