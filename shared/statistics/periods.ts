// The question GET /email/statistics asks (docs/http-api.md, statistics): a period in the
// caller's time zone, turned into whole UTC hours (the counters' resolution), and how to group it.
import { DAY_MS, HOUR_MS } from "../domain/statistics.ts";
import { onlyKnown, refuse, type Query } from "../domain/query-parameters.ts";
import { addDays, addMonths, instantOf, isTimeZone, wallTimeAt, type WallTime } from "./time-zones.ts";

export const QUICK_PERIODS = ["today", "week", "month", "3months", "6months", "year"] as const;
export type QuickPeriod = (typeof QUICK_PERIODS)[number];
export type GroupBy = "day" | "hour";

const PARAMETERS = ["period", "from", "to", "tz", "groupBy", "projectId", "tag"] as const;
/** A year, and the day of today a quick `year` also covers, whatever the zone's changes of offset. */
export const MAX_PERIOD_MS = 367 * DAY_MS;
/** groupBy=hour answers at most this much (744 buckets and a little more). */
export const MAX_HOURLY_PERIOD_MS = 32 * DAY_MS;
const MAX_TAG_LENGTH = 256;

export interface StatisticsQuery {
  /** Epoch ms, both on a whole UTC hour; `to` is exclusive. */
  from: number;
  to: number;
  timeZone: string;
  period?: QuickPeriod;
  groupBy?: GroupBy;
  projectId?: string;
  tag?: string;
}

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Days (and months) back from today that each quick period starts, today included. */
const QUICK_START: Record<QuickPeriod, (today: Pick<WallTime, "year" | "month" | "day">) => Pick<WallTime, "year" | "month" | "day">> = {
  today: (d) => d,
  week: (d) => addDays(d, -6),
  month: (d) => addDays(addMonths(d, -1), 1),
  "3months": (d) => addDays(addMonths(d, -3), 1),
  "6months": (d) => addDays(addMonths(d, -6), 1),
  year: (d) => addDays(addMonths(d, -12), 1),
};

const midnight = (date: Pick<WallTime, "year" | "month" | "day">): WallTime => ({ ...date, hour: 0, minute: 0 });

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A date, or a date and time, in the caller's zone (or with its own zone); `wholeDay` when only a date was given. */
function parseTime(value: string, ref: "from" | "to", timeZone: string): { ms: number; wholeDay: boolean } {
  const match = LOCAL_TIME.exec(value.trim());
  const bad = () =>
    refuse(
      ref,
      "invalid_date",
      `${ref} must be a date (2026-03-01) or a date and time (2026-03-01T14:00) in the time zone tz, or ISO 8601 with a zone`,
    );
  if (!match) throw bad();
  const [, y, mo, d, h = "0", mi = "0", , zone] = match;
  const time: WallTime = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi) };
  const check = new Date(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute));
  if (check.getUTCMonth() !== time.month - 1 || check.getUTCDate() !== time.day || check.getUTCHours() !== time.hour || time.minute > 59)
    throw bad();
  const ms = zone ? Date.parse(value.trim().replace(" ", "T")) : instantOf(time, timeZone);
  if (!Number.isFinite(ms)) throw bad();
  return { ms, wholeDay: match[4] === undefined };
}

export function parseStatisticsQuery(query: Query, now = Date.now()): StatisticsQuery {
  onlyKnown(query, PARAMETERS);
  const timeZone = query.tz?.trim() || "UTC";
  if (!isTimeZone(timeZone)) throw refuse("tz", "invalid_time_zone", `tz must be an IANA time zone such as Europe/Moscow or UTC`);

  let groupBy: GroupBy | undefined;
  if (query.groupBy !== undefined) {
    if (query.groupBy !== "day" && query.groupBy !== "hour") throw refuse("groupBy", "invalid_value", "groupBy must be day or hour");
    groupBy = query.groupBy;
  }
  const tag = query.tag;
  if (tag !== undefined && (tag.length === 0 || tag.length > MAX_TAG_LENGTH))
    throw refuse("tag", "invalid_value", `tag must be 1 to ${MAX_TAG_LENGTH} characters`);
  const projectId = query.projectId;
  if (projectId !== undefined && !/^[\w-]{1,64}$/.test(projectId))
    throw refuse("projectId", "invalid_value", "projectId is not a project id");

  let from: number;
  let to: number;
  let period: QuickPeriod | undefined;
  if (query.period !== undefined) {
    if (query.from !== undefined || query.to !== undefined)
      throw refuse("period", "invalid_combination", "Give either period or from and to, not both");
    if (!(QUICK_PERIODS as readonly string[]).includes(query.period))
      throw refuse("period", "invalid_value", `period must be one of ${QUICK_PERIODS.join(", ")}`);
    period = query.period as QuickPeriod;
  } else if (query.from === undefined) {
    if (query.to !== undefined) throw refuse("from", "required", "from is required with to");
    period = "today";
  }
  if (period) {
    const today = wallTimeAt(now, timeZone);
    from = floorHour(instantOf(midnight(QUICK_START[period](today)), timeZone));
    to = floorHour(now) + HOUR_MS;
  } else {
    const start = parseTime(query.from!, "from", timeZone);
    from = floorHour(start.ms);
    if (query.to === undefined) to = floorHour(now) + HOUR_MS;
    else {
      // `to` names the last hour counted (the seed's "to 21.06.2019 23:00"); a date alone, its whole day.
      const end = parseTime(query.to, "to", timeZone);
      const endWall = wallTimeAt(end.ms, timeZone);
      to = end.wholeDay ? floorHour(instantOf(midnight(addDays(endWall, 1)), timeZone)) : floorHour(end.ms) + HOUR_MS;
      if (start.ms > end.ms) throw refuse("from", "from_after_to", "from is after to");
    }
  }
  if (from >= to) throw refuse("from", "from_after_to", "from is after to (or after now, when to is not given)");
  if (to - from > MAX_PERIOD_MS) throw refuse("to", "period_too_long", "The period may be at most a year");
  if (groupBy === "hour" && to - from > MAX_HOURLY_PERIOD_MS)
    throw refuse("groupBy", "period_too_long", "groupBy=hour answers periods of at most 32 days; use groupBy=day");
  return { from, to, timeZone, period, groupBy, projectId, tag };
}
