// Message statuses (docs/webhooks.md) and how they may follow one another.
import type { Message } from "./message.ts";

export const STATUSES = [
  "ACCEPTED",
  "SENT",
  "DELIVERED",
  "OPENED",
  "CLICKED",
  "BOUNCED",
  "REJECTED",
  "SUBSCRIBED",
  "UNSUBSCRIBED",
  "COMPLAINED",
  // Scheduled sends: recorded at once, waiting for their time; cancelled before they went.
  "SCHEDULED",
  "CANCELLED",
] as const;

export type Status = (typeof STATUSES)[number];

/** Statuses after which the message is never sent again (the first of them yields a delivery report). */
export const FINAL_STATUSES: ReadonlySet<Status> = new Set(["DELIVERED", "BOUNCED", "REJECTED", "CANCELLED"]);

/**
 * The rank decides which status is "current": a later event with a lower rank is recorded in
 * the history but does not overwrite the status (a DELIVERED that arrives after OPENED, say).
 * Recipient actions after delivery outrank delivery itself.
 */
const RANK: Record<Status, number> = {
  SCHEDULED: 0,
  ACCEPTED: 0,
  SENT: 1,
  DELIVERED: 2,
  BOUNCED: 2,
  REJECTED: 2,
  CANCELLED: 2,
  OPENED: 3,
  CLICKED: 4,
  SUBSCRIBED: 5,
  UNSUBSCRIBED: 5,
  COMPLAINED: 6,
};

export const statusRank = (status: Status): number => RANK[status];

/** Statuses that can happen more than once in a message's life (resubscribe after unsubscribe). */
export const REPEATABLE_STATUSES: ReadonlySet<Status> = new Set(["SUBSCRIBED", "UNSUBSCRIBED"]);

export interface StatusChange {
  status: Status;
  /** Epoch milliseconds when it happened. */
  ts: number;
  reason?: string;
}

export interface StatusEvent {
  message: Message;
  change: StatusChange;
}

/** Something that wants to know about status changes: the webhook queue, reports, counters. */
export type StatusListener = (events: StatusEvent[]) => Promise<void>;
