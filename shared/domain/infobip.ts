// The Infobip door's shared rules (docs/moving-from-infobip.md): the one table from Posthaste's
// statuses to Infobip's status groups and its status and error objects, which the send answer,
// logs, reports and notifyUrl reports all read, so a status is named the same way everywhere;
// and the report one message's status change makes.
import { submissionOf } from "./ids.ts";
import type { Status } from "./status.ts";
import type { WebhookEvent } from "./webhook.ts";

/** What the door keeps in a message's extraData, so its reports to notifyUrl can be built later. */
export const NOTIFY_URL_FIELD = "infobipNotifyUrl";
export const CALLBACK_DATA_FIELD = "infobipCallbackData";
export const INTERMEDIATE_REPORT_FIELD = "infobipIntermediateReport";

export const GROUPS = ["PENDING", "UNDELIVERABLE", "DELIVERED", "EXPIRED", "REJECTED"] as const;
export type GroupName = (typeof GROUPS)[number];

const GROUP_IDS: Record<GroupName, number> = { PENDING: 1, UNDELIVERABLE: 2, DELIVERED: 3, EXPIRED: 4, REJECTED: 5 };

export interface InfobipStatus {
  groupId: number;
  groupName: GroupName;
  id: number;
  name: string;
  description: string;
}

export interface InfobipError {
  groupId: number;
  groupName: string;
  id: number;
  name: string;
  description: string;
  permanent: boolean;
}

const status = (groupName: GroupName, id: number, name: string, description: string): InfobipStatus => ({
  groupId: GROUP_IDS[groupName],
  groupName,
  id,
  name,
  description,
});

const PENDING_ACCEPTED = status("PENDING", 26, "PENDING_ACCEPTED", "Message accepted, pending for delivery.");
const DELIVERED = status("DELIVERED", 5, "DELIVERED_TO_HANDSET", "Message delivered to handset");

// Scheduled sends (SCHEDULED, CANCELLED) are written out here too, so the table is whole on every branch.
type AnyStatus = Status | "SCHEDULED" | "CANCELLED";

/** Opened, clicked, unsubscribed and complained all happened to a delivered message: Infobip's DELIVERED. */
export const STATUS_TABLE: Record<AnyStatus, InfobipStatus> = {
  SCHEDULED: status("PENDING", 26, "PENDING_ACCEPTED", "Message accepted, scheduled for its sendAt."),
  ACCEPTED: PENDING_ACCEPTED,
  SENT: status("PENDING", 7, "PENDING_ENROUTE", "Message sent to next instance"),
  DELIVERED,
  OPENED: DELIVERED,
  CLICKED: DELIVERED,
  SUBSCRIBED: DELIVERED,
  UNSUBSCRIBED: DELIVERED,
  COMPLAINED: DELIVERED,
  BOUNCED: status("UNDELIVERABLE", 9, "UNDELIVERABLE_NOT_DELIVERED", "Message sent, not delivered: the receiving server refused it"),
  REJECTED: status("REJECTED", 6, "REJECTED_DESTINATION", "Message rejected before it was sent"),
  CANCELLED: status("REJECTED", 6, "REJECTED_CANCELLED", "Scheduled message cancelled before it was sent"),
};

const NO_ERROR: InfobipError = { groupId: 0, groupName: "OK", id: 0, name: "NO_ERROR", description: "No Error", permanent: false };

/** Why a message did not arrive, when it did not; `reason` is the message's last reason (a bounce text, `rejected_unsubscribed`). */
export function errorFor(current: string, reason?: string): InfobipError {
  switch (current) {
    case "BOUNCED":
      return { groupId: 2, groupName: "USER_ERRORS", id: 4001, name: "EMAIL_BOUNCED", description: reason ?? "Bounced", permanent: true };
    case "REJECTED":
      return { groupId: 2, groupName: "USER_ERRORS", id: 4002, name: "EMAIL_REJECTED", description: reason ?? "Rejected", permanent: true };
    case "CANCELLED":
      return {
        groupId: 2,
        groupName: "USER_ERRORS",
        id: 4003,
        name: "EMAIL_CANCELLED",
        description: reason ?? "Cancelled",
        permanent: true,
      };
    default:
      return NO_ERROR;
  }
}

export const statusFor = (current: string): InfobipStatus => STATUS_TABLE[current as AnyStatus] ?? PENDING_ACCEPTED;

/** generalStatus=<group> of the logs route: the Posthaste statuses in that group. */
export const statusesInGroup = (group: GroupName): string[] =>
  Object.entries(STATUS_TABLE)
    .filter(([, s]) => s.groupName === group)
    .map(([name]) => name);

/** Statuses that end a message's delivery: each yields its one report (and the first only). */
const REPORTED: ReadonlySet<string> = new Set(["DELIVERED", "BOUNCED", "REJECTED", "CANCELLED"]);
/** With intermediateReport=true, these are reported too as they happen. */
const INTERMEDIATE: ReadonlySet<string> = new Set(["SENT"]);

/** Whether a status change is posted to the message's notifyUrl. */
export function isReported(status: string, intermediate: boolean): boolean {
  return REPORTED.has(status) || (intermediate && INTERMEDIATE.has(status));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** One entry of Infobip's `{"results": [...]}`: the status change of one message, in its terms. */
export function infobipReport(event: Pick<WebhookEvent, "messageId" | "email" | "ts" | "status" | "reason" | "sentAt" | "callbackData">) {
  return {
    bulkId: submissionOf(event.messageId)?.submissionId ?? event.messageId,
    messageId: event.messageId,
    to: event.email,
    sentAt: iso(event.sentAt ?? event.ts),
    doneAt: iso(event.ts),
    messageCount: 1,
    price: { pricePerMessage: 0, currency: "EUR" },
    status: statusFor(event.status),
    error: errorFor(event.status, event.reason),
    channel: "EMAIL",
    ...(event.callbackData !== undefined ? { callbackData: event.callbackData } : {}),
  };
}
