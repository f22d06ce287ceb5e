// The statistics counters (docs/architecture.md, statistics). Three kinds of items per slice (an
// account, a project, a tag, a tag within a project):
//
// - hour items, written as status changes happen: ADD on one of COUNTER_SHARDS copies picked at
//   random, so a busy account's current hour is not one hot item. Kept HOUR_ITEM_DAYS;
// - day items (the day's total and its 24 hours) and month items (the month's total), written once
//   by the rollup after the day can no longer change (every message of it has expired). Kept
//   13 months;
// - a mark per slice and day with counters, which is how the rollup finds what to roll up, and one
//   item saying up to which day everything is rolled up.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { COUNTER_NAMES, addCounts, hourStart, zeroCounts, type Counts } from "../domain/statistics.ts";
import { concurrencyLimit } from "../lib/concurrency.ts";
import { untilAllDone } from "../lib/backoff.ts";
import { queryAll, type Item } from "./dynamo.ts";
import { COUNTER_SHARDS, epochSeconds, keys } from "./keys.ts";

/** Hour items outlive their rollup by weeks, so a rollup stopped for a while loses nothing. */
export const HOUR_ITEM_DAYS = 35;
/** Counters are kept 13 months (docs/http-api.md, statistics). */
export const ROLLED_ITEM_DAYS = 400;

/** What to add to one hour of one slice. */
export interface CounterDelta {
  accountId: string;
  dimension: string;
  /** YYYYMMDDHH, UTC. */
  hour: string;
  counts: Partial<Counts>;
}

export interface RolledDay {
  day: string;
  total: Counts;
  /** By hour of the day ("00" to "23", UTC), only the hours that had something. */
  hours: Record<string, Counts>;
}

const MARKS_REMEMBERED = 100_000;

const toCounts = (item: Record<string, unknown> | undefined): Counts => {
  const counts = zeroCounts();
  for (const name of COUNTER_NAMES) counts[name] = Number(item?.[name] ?? 0);
  return counts;
};

export function makeCounterStore(ddb: DynamoDBDocumentClient, tableName: string, options: { random?: () => number } = {}) {
  const random = options.random ?? Math.random;
  const table = { ddb, tableName };
  /** Marks this container wrote already: one write per slice and day, not one per change. */
  const marked = new Set<string>();
  const writes = concurrencyLimit(8);

  async function mark(delta: CounterDelta) {
    const day = delta.hour.slice(0, 8);
    const id = `${day}\n${delta.accountId}\n${delta.dimension}`;
    if (marked.has(id)) return;
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.rollupMark(day, delta.accountId, delta.dimension), accountId: delta.accountId, dimension: delta.dimension },
      }),
    );
    if (marked.size >= MARKS_REMEMBERED) marked.clear();
    marked.add(id);
  }

  async function addOne(delta: CounterDelta) {
    const names = COUNTER_NAMES.filter((name) => delta.counts[name]);
    if (names.length === 0) return;
    await mark(delta);
    const shard = Math.floor(random() * COUNTER_SHARDS);
    await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.counterHour(delta.accountId, shard, delta.dimension, delta.hour),
        UpdateExpression: `SET expiresAt = :expires ADD ${names.map((_, i) => `#c${i} :c${i}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#c${i}`, name])),
        ExpressionAttributeValues: {
          ":expires": epochSeconds(hourStart(delta.hour)) + HOUR_ITEM_DAYS * 86_400,
          ...Object.fromEntries(names.map((name, i) => [`:c${i}`, delta.counts[name]])),
        },
      }),
    );
  }

  return {
    /** One UpdateItem per delta (merge them first), eight at a time; what fails is tried again with backoff. */
    async add(deltas: CounterDelta[]) {
      await untilAllDone(
        deltas,
        async (pending) => {
          const failed: CounterDelta[] = [];
          await Promise.all(pending.map((delta) => writes(() => addOne(delta)).catch(() => void failed.push(delta))));
          return failed;
        },
        { attempts: 5, baseMs: 50, what: "counter updates" },
      );
    },

    /** The slice's counters of each hour from `fromHour` to `toHour` (inclusive), summed over the shards. */
    async hours(accountId: string, dimension: string, fromHour: string, toHour: string): Promise<Map<string, Counts>> {
      const prefix = keys.counterHourPrefix(dimension);
      const pages = await Promise.all(
        Array.from({ length: COUNTER_SHARDS }, (_, shard) =>
          queryAll(table, {
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues: {
              ":pk": keys.counterHourShard(accountId, shard),
              ":from": prefix + fromHour,
              ":to": prefix + toHour,
            },
          }),
        ),
      );
      const hours = new Map<string, Counts>();
      for (const item of pages.flat()) {
        const hour = (item.sk as string).slice(prefix.length);
        hours.set(hour, addCounts(hours.get(hour) ?? zeroCounts(), toCounts(item)));
      }
      return hours;
    },

    /** Rolled-up days from `fromDay` to `toDay` (inclusive), oldest first. */
    async days(accountId: string, dimension: string, fromDay: string, toDay: string): Promise<RolledDay[]> {
      const prefix = keys.counterDayPrefix(dimension);
      const items = await queryAll(table, {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": keys.counterRolled(accountId), ":from": prefix + fromDay, ":to": prefix + toDay },
      });
      return items.map((item) => ({
        day: (item.sk as string).slice(prefix.length),
        total: toCounts(item.total as Item),
        hours: Object.fromEntries(
          Object.entries((item.hours ?? {}) as Record<string, Item>).map(([hour, counts]) => [hour, toCounts(counts)]),
        ),
      }));
    },

    /** Rolled-up months from `fromMonth` to `toMonth` (YYYYMM, inclusive): their totals. */
    async months(accountId: string, dimension: string, fromMonth: string, toMonth: string): Promise<{ month: string; total: Counts }[]> {
      const prefix = keys.counterMonthPrefix(dimension);
      const items = await queryAll(table, {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": keys.counterRolled(accountId), ":from": prefix + fromMonth, ":to": prefix + toMonth },
      });
      return items.map((item) => ({ month: (item.sk as string).slice(prefix.length), total: toCounts(item.total as Item) }));
    },

    async putDay(accountId: string, dimension: string, rolled: RolledDay) {
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.counterDay(accountId, dimension, rolled.day),
            total: rolled.total,
            hours: rolled.hours,
            expiresAt: epochSeconds(hourStart(`${rolled.day}00`)) + ROLLED_ITEM_DAYS * 86_400,
          },
        }),
      );
    },

    async putMonth(accountId: string, dimension: string, month: string, total: Counts) {
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.counterMonth(accountId, dimension, month),
            total,
            expiresAt: epochSeconds(hourStart(`${month}0100`)) + (ROLLED_ITEM_DAYS + 31) * 86_400,
          },
        }),
      );
    },

    /** The slices with counters on `day`, one partition of the marks at a time. */
    async marks(day: string): Promise<{ accountId: string; dimension: string }[]> {
      const found = await Promise.all(
        keys
          .rollupMarkShards(day)
          .map((pk) => queryAll(table, { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk } })),
      );
      return found.flat().map((item) => ({ accountId: item.accountId as string, dimension: item.dimension as string }));
    },

    async unmark(day: string, accountId: string, dimension: string) {
      await ddb.send(new DeleteCommand({ TableName: tableName, Key: keys.rollupMark(day, accountId, dimension) }));
    },

    /** The last day (YYYYMMDD) whose counters are all rolled up; undefined before the first rollup. */
    async rolledThrough(): Promise<string | undefined> {
      const item = (await ddb.send(new GetCommand({ TableName: tableName, Key: keys.rollupState() }))).Item;
      return item?.rolledThrough as string | undefined;
    },

    async setRolledThrough(day: string) {
      await ddb.send(new PutCommand({ TableName: tableName, Item: { ...keys.rollupState(), rolledThrough: day } }));
    },
  };
}

export type CounterStore = ReturnType<typeof makeCounterStore>;
