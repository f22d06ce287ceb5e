// The statistics as the seed's page shows them, for a terminal (npm run admin -- stats):
// one line per row with the count and its percentage of Total.
import type { StatisticsAnswer } from "./statistics.ts";
import { rowsView } from "./statistics.ts";
import { timeLabel } from "./time-zones.ts";

const LABELS: Record<string, string> = { DeliveryErrors: "Delivery errors" };

export function renderStatisticsTable(answer: StatisticsAnswer, title: string): string {
  const { query } = answer;
  const lastHour = timeLabel(query.to - 3_600_000, query.timeZone).replace("T", " ");
  const lines = [`${title}`, `from ${timeLabel(query.from, query.timeZone).replace("T", " ")} to ${lastHour} (${query.timeZone})`, ""];
  const rows = rowsView(answer.counts);
  const width = Math.max(...rows.map((r) => String(r.Count).length), "Messages".length);
  lines.push(`${"Status".padEnd(16)}  ${"Messages".padStart(width)}  Percent`);
  for (const row of rows) {
    if (row.Row === "Cancelled") continue;
    const percent = row.Percent === undefined ? "" : `${row.Percent.toFixed(2).replace(/\.00$/, "")} %`;
    lines.push(`${(LABELS[row.Row] ?? row.Row).padEnd(16)}  ${String(row.Count).padStart(width)}  ${percent}`);
  }
  const cancelled = rows.find((r) => r.Row === "Cancelled")!.Count;
  if (cancelled) lines.push("", `Cancelled (scheduled, never sent; not in Total): ${cancelled}`);
  return lines.join("\n");
}
