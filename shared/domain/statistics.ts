// What the statistics count (docs/http-api.md, statistics): every message sits in exactly one
// row of its delivery (Sending, Sent, Delivered, Delivery errors, Rejected, or Cancelled) and
// may also be counted once as Opened, Clicked and Unsubscribed. The row follows from the
// message's history alone, so the counters move a message from its old row to its new one by
// comparing its history before and after a change.
import type { StatusChange, Status } from "./status.ts";

/** The stored counters of one bucket. Billed and Total are sums of these, never stored. */
export const COUNTER_NAMES = [
  "sending",
  "sent",
  "delivered",
  "bounced",
  "rejected",
  "cancelled",
  "opened",
  "clicked",
  "unsubscribed",
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counts = Record<CounterName, number>;

export type DeliveryRow = "sending" | "sent" | "delivered" | "bounced" | "rejected" | "cancelled";

export interface StatsState {
  row: DeliveryRow;
  opened: boolean;
  clicked: boolean;
  unsubscribed: boolean;
}

const OUTCOMES: Partial<Record<Status, DeliveryRow>> = {
  DELIVERED: "delivered",
  BOUNCED: "bounced",
  REJECTED: "rejected",
  CANCELLED: "cancelled",
};

/**
 * The row and marks of a message with this history; undefined before it exists. The last
 * outcome recorded decides (a bounce that SES reports after a delivery makes it a delivery
 * error); without one, SENT makes it Sent, and ACCEPTED or SCHEDULED leave it Sending.
 */
export function statsStateOf(history: readonly Pick<StatusChange, "status">[]): StatsState | undefined {
  if (history.length === 0) return undefined;
  let row: DeliveryRow = "sending";
  let outcome: DeliveryRow | undefined;
  const seen = new Set<Status>();
  for (const { status } of history) {
    seen.add(status);
    outcome = OUTCOMES[status] ?? outcome;
  }
  if (outcome) row = outcome;
  else if (seen.has("SENT")) row = "sent";
  return { row, opened: seen.has("OPENED"), clicked: seen.has("CLICKED"), unsubscribed: seen.has("UNSUBSCRIBED") };
}

export const zeroCounts = (): Counts => Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Counts;

/** What moving a message from `before` to `after` adds to its bucket (-1, 0 or +1 per counter). */
export function countsDelta(before: StatsState | undefined, after: StatsState | undefined): Partial<Counts> {
  const delta: Partial<Counts> = {};
  const add = (name: CounterName, n: number) => {
    if (n !== 0) delta[name] = (delta[name] ?? 0) + n;
  };
  if (before?.row !== after?.row) {
    if (before) add(before.row, -1);
    if (after) add(after.row, 1);
  }
  for (const mark of ["opened", "clicked", "unsubscribed"] as const)
    add(mark, Number(after?.[mark] ?? false) - Number(before?.[mark] ?? false));
  return delta;
}

export const addCounts = (into: Counts, more: Partial<Counts>): Counts => {
  for (const name of COUNTER_NAMES) into[name] += more[name] ?? 0;
  return into;
};

/**
 * The seed's rows from the stored counters: Billed = Sending + Sent + Delivered + Delivery
 * errors, Total = Billed + Rejected. Cancelled messages were never billed and are not in Total:
 * they are shown beside it.
 */
export function statisticsRows(counts: Counts) {
  const billed = counts.sending + counts.sent + counts.delivered + counts.bounced;
  const total = billed + counts.rejected;
  return {
    total,
    billed,
    sending: counts.sending,
    sent: counts.sent,
    delivered: counts.delivered,
    opened: counts.opened,
    clicked: counts.clicked,
    deliveryErrors: counts.bounced,
    rejected: counts.rejected,
    unsubscribed: counts.unsubscribed,
    cancelled: counts.cancelled,
  };
}

export type StatisticsRows = ReturnType<typeof statisticsRows>;

/**
 * The slices a message is counted in: its account, its project, each of its tags, and each tag
 * within its project (what a project key asking for a tag reads). A tag is counted once per
 * message however often it is named.
 */
export function dimensionsOf(message: { projectId?: string; tags?: string[] }): string[] {
  const tags = [...new Set(message.tags ?? [])];
  const dims = [accountDimension()];
  if (message.projectId) dims.push(projectDimension(message.projectId));
  for (const tag of tags) {
    dims.push(tagDimension(tag));
    if (message.projectId) dims.push(tagDimension(tag, message.projectId));
  }
  return dims;
}

// Dimension names go into sort keys: tags and project ids are percent-encoded, so no value can
// contain the separator.
const part = (value: string) => encodeURIComponent(value);
export const accountDimension = () => "A";
export const projectDimension = (projectId: string) => `P:${part(projectId)}`;
export const tagDimension = (tag: string, projectId?: string) => (projectId ? `PT:${part(projectId)}:${part(tag)}` : `T:${part(tag)}`);

/** The dimension a question about (project, tag) reads. */
export const dimensionFor = (scope: { projectId?: string; tag?: string }) =>
  scope.tag !== undefined
    ? tagDimension(scope.tag, scope.projectId)
    : scope.projectId
      ? projectDimension(scope.projectId)
      : accountDimension();

// --- Time keys of the counters: UTC hours, days and months as digits that sort in time order. ---

/** The hour key (YYYYMMDDHH, UTC) of an instant. */
export const hourKeyOf = (ms: number): string => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, "");

/** Epoch ms of the start of an hour key YYYYMMDDHH (UTC); a day key YYYYMMDD is its hour 00. */
export function hourStart(hour: string): number {
  return Date.UTC(Number(hour.slice(0, 4)), Number(hour.slice(4, 6)) - 1, Number(hour.slice(6, 8)), Number(hour.slice(8, 10) || "0"));
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
