// The statistics' periods: quick periods and from/to in the caller's time zone become whole UTC
// hours; every bad input is a 400 naming its parameter.
import { describe, expect, it } from "vitest";
import { isAppError } from "../../shared/domain/errors.ts";
import { parseStatisticsQuery } from "../../shared/statistics/index.ts";
import { instantOf } from "../../shared/statistics/time-zones.ts";

const iso = (ms: number) => new Date(ms).toISOString();
// 2026-03-15 10:20 UTC, 13:20 in Moscow (UTC+3).
const NOW = Date.UTC(2026, 2, 15, 10, 20);

function refusal(query: Record<string, string>) {
  try {
    parseStatisticsQuery(query, NOW);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { status: error.httpStatus, reasons: error.reasons.map(({ key, ref }) => ({ key, ref })) };
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe("statistics periods", () => {
  it("start the quick periods at midnight in the caller's zone and end with the current hour", () => {
    const week = parseStatisticsQuery({ period: "week", tz: "Europe/Moscow" }, NOW);
    expect(iso(week.from)).toBe("2026-03-08T21:00:00.000Z"); // 9 March 00:00 in Moscow: seven days with today
    expect(iso(week.to)).toBe("2026-03-15T11:00:00.000Z");
    expect(iso(parseStatisticsQuery({}, NOW).from)).toBe("2026-03-15T00:00:00.000Z"); // today, UTC
    expect(iso(parseStatisticsQuery({ period: "month" }, NOW).from)).toBe("2026-02-16T00:00:00.000Z");
    expect(iso(parseStatisticsQuery({ period: "year" }, NOW).from)).toBe("2025-03-16T00:00:00.000Z");
  });

  it("read from and to as wall-clock times in tz, `to` naming the last hour counted", () => {
    // The seed's page: from 20.06.2019 00:00 to 21.06.2019 23:00, local time.
    const q = parseStatisticsQuery({ from: "2019-06-20T00:00", to: "2019-06-21T23:00", tz: "Europe/Moscow" }, NOW);
    expect(iso(q.from)).toBe("2019-06-19T21:00:00.000Z");
    expect(iso(q.to)).toBe("2019-06-21T21:00:00.000Z");
    const days = parseStatisticsQuery({ from: "2019-06-20", to: "2019-06-21" }, NOW);
    expect(iso(days.to)).toBe("2019-06-22T00:00:00.000Z");
    const zoned = parseStatisticsQuery({ from: "2026-03-01T10:00:00+02:00", to: "2026-03-01T12:30:00Z" }, NOW);
    expect([iso(zoned.from), iso(zoned.to)]).toEqual(["2026-03-01T08:00:00.000Z", "2026-03-01T13:00:00.000Z"]);
  });

  it("find the instant of a wall-clock time across a change to summer time", () => {
    // Berlin skips 02:00-03:00 on 29 March 2026: midnight is still UTC+1, 04:00 is UTC+2.
    expect(iso(instantOf({ year: 2026, month: 3, day: 29, hour: 0, minute: 0 }, "Europe/Berlin"))).toBe("2026-03-28T23:00:00.000Z");
    expect(iso(instantOf({ year: 2026, month: 3, day: 29, hour: 4, minute: 0 }, "Europe/Berlin"))).toBe("2026-03-29T02:00:00.000Z");
    expect(iso(instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, "Europe/Berlin"))).toBe("2026-03-29T01:30:00.000Z");
  });

  it.each([
    [{ bogus: "1" }, "unknown_parameter", "bogus"],
    [{ period: "fortnight" }, "invalid_value", "period"],
    [{ period: "week", from: "2026-03-01" }, "invalid_combination", "period"],
    [{ from: "yesterday" }, "invalid_date", "from"],
    [{ from: "2026-02-30" }, "invalid_date", "from"],
    [{ from: "2026-03-01", to: "2026-13-01" }, "invalid_date", "to"],
    [{ to: "2026-03-01" }, "required", "from"],
    [{ from: "2026-03-02", to: "2026-03-01" }, "from_after_to", "from"],
    [{ from: "2030-01-01" }, "from_after_to", "from"],
    [{ from: "2024-01-01", to: "2025-06-01" }, "period_too_long", "to"],
    [{ period: "3months", groupBy: "hour" }, "period_too_long", "groupBy"],
    [{ groupBy: "week" }, "invalid_value", "groupBy"],
    [{ tz: "Mars/Olympus" }, "invalid_time_zone", "tz"],
    [{ tag: "" }, "invalid_value", "tag"],
    [{ projectId: "no spaces" }, "invalid_value", "projectId"],
  ])("refuses %j with 400 %s naming %s", (query, key, ref) => {
    expect(refusal(query as Record<string, string>)).toEqual({ status: 400, reasons: [{ key, ref }] });
  });

  it("allows a year, hours for a month, and a day by the hour", () => {
    expect(() => parseStatisticsQuery({ period: "year", groupBy: "day", tz: "Pacific/Auckland" }, NOW)).not.toThrow();
    expect(() => parseStatisticsQuery({ from: "2025-03-01", to: "2026-03-01" }, NOW)).not.toThrow();
    expect(() => parseStatisticsQuery({ period: "month", groupBy: "hour" }, NOW)).not.toThrow();
  });
});
