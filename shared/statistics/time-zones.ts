// Wall-clock time in an IANA time zone, with Intl alone: the offset of a zone at an instant, the
// instant of a wall-clock time, and the calendar date of an instant.

export interface WallTime {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    if (formats.size > 500) formats.clear();
    formats.set(timeZone, format);
  }
  return format;
}

/** True for a zone Intl knows ("Europe/Moscow", "UTC", "Asia/Kolkata"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `timeZone` at instant `ms`. */
export function wallTimeAt(ms: number, timeZone: string): WallTime {
  const parts = Object.fromEntries(
    formatIn(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

const asUtc = (t: WallTime) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). */
export function offsetAt(ms: number, timeZone: string): number {
  return asUtc(wallTimeAt(ms, timeZone)) - Math.floor(ms / 60_000) * 60_000;
}

/**
 * The instant a wall-clock time names in `timeZone`. A time that does not exist (skipped by a
 * change to summer time) moves forward by the gap; one that happens twice is one of the two.
 */
export function instantOf(time: WallTime, timeZone: string): number {
  const guess = asUtc(time);
  const first = guess - offsetAt(guess, timeZone);
  const second = guess - offsetAt(first, timeZone);
  if (first === second) return first;
  // Around a change of offset: an instant that shows this wall time, else the later one.
  const candidates = [first, second].sort((a, b) => a - b);
  return candidates.find((ms) => asUtc(wallTimeAt(ms, timeZone)) === guess) ?? candidates[1];
}

/** The calendar date at instant `ms` in the zone, as YYYY-MM-DD. */
export function dateLabel(ms: number, timeZone: string): string {
  const t = wallTimeAt(ms, timeZone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)}`;
}

/** The wall-clock time at instant `ms` in the zone, as YYYY-MM-DDTHH:mm. */
export function timeLabel(ms: number, timeZone: string): string {
  const t = wallTimeAt(ms, timeZone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The same wall-clock date `days` later (negative: earlier); the day of month is kept in range. */
export function addDays(date: Pick<WallTime, "year" | "month" | "day">, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The same day of the month `months` later (negative: earlier), clamped to the month's last day. */
export function addMonths(date: Pick<WallTime, "year" | "month" | "day">, months: number) {
  const first = new Date(Date.UTC(date.year, date.month - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return { year: first.getUTCFullYear(), month: first.getUTCMonth() + 1, day: Math.min(date.day, last) };
}
