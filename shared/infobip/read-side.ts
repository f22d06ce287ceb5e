// GET /email/1/logs and GET /email/1/reports (docs/moving-from-infobip.md): Infobip's query
// parameters read into the native logs and reports queries, and a message shown as Infobip's
// log entry or report. The reading itself (48 hours of logs, each report once) is the native one.
import { AppError, type Reason } from "../domain/errors.ts";
import { messageIdFor } from "../domain/ids.ts";
import { CALLBACK_DATA_FIELD, errorFor, GROUPS, type GroupName, statusesInGroup, statusFor } from "../domain/infobip.ts";
import type { Message } from "../domain/message.ts";
import { FINAL_STATUSES } from "../domain/status.ts";

export const INFOBIP_PAGE_DEFAULT = 50;
export const INFOBIP_PAGE_MAX = 1000;

type Query = Record<string, string | undefined>;

const refuse = (key: Reason["key"], ref: string, message: string) => new AppError("validation_error", { message, reasons: [{ key, ref }] });

function onlyKnown(query: Query, known: readonly string[]) {
  const unknown = Object.keys(query).find((name) => !known.includes(name));
  if (unknown) throw refuse("unknown_field", unknown, `${unknown} is not a parameter of this request (it takes ${known.join(", ")})`);
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return INFOBIP_PAGE_DEFAULT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > INFOBIP_PAGE_MAX)
    throw refuse("invalid_value", "limit", `limit must be a whole number from 1 to ${INFOBIP_PAGE_MAX}`);
  return n;
}

/** Infobip writes times as `2026-12-01T18:00:00.000+0100`; ISO 8601 with a colon is read too. */
export function infobipTime(value: string, ref: string): number {
  const iso = value.trim().replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(ms))
    throw refuse("invalid_date", ref, `${ref} must be a date and time such as 2026-12-01T18:00:00.000+0100`);
  return ms;
}

/** Message ids: the ones asked for, or a bulk's (a bulk is one request: its copies' ids follow from its id). */
function messageIdsOf(query: Query, limit: number): string[] | undefined {
  const asked = query.messageId
    ?.split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  if (asked?.some((id) => !/^[\w-]{10,64}$/.test(id))) throw refuse("invalid_value", "messageId", "messageId is not a message id");
  if (query.bulkId === undefined) return asked;
  if (!/^[\w-]{25}$/.test(query.bulkId)) throw refuse("invalid_value", "bulkId", "bulkId is not a bulk id");
  const ofBulk = Array.from({ length: limit }, (_, i) => messageIdFor(query.bulkId!, i));
  return asked ? asked.filter((id) => ofBulk.includes(id)) : ofBulk;
}

export interface InfobipLogsQuery {
  messageIds?: string[];
  to?: string;
  from?: string;
  statuses?: string[];
  sentSince?: number;
  sentUntil?: number;
  limit: number;
}

export function parseInfobipLogsQuery(query: Query): InfobipLogsQuery {
  onlyKnown(query, ["messageId", "from", "to", "bulkId", "generalStatus", "sentSince", "sentUntil", "limit"]);
  const limit = limitOf(query.limit);
  let statuses: string[] | undefined;
  if (query.generalStatus !== undefined) {
    const group = query.generalStatus.toUpperCase();
    if (!(GROUPS as readonly string[]).includes(group))
      throw refuse("invalid_value", "generalStatus", `generalStatus must be one of ${GROUPS.join(", ")}`);
    statuses = statusesInGroup(group as GroupName);
  }
  return {
    messageIds: messageIdsOf(query, limit),
    to: query.to,
    from: query.from,
    statuses,
    sentSince: query.sentSince === undefined ? undefined : infobipTime(query.sentSince, "sentSince"),
    sentUntil: query.sentUntil === undefined ? undefined : infobipTime(query.sentUntil, "sentUntil"),
    limit,
  };
}

export function parseInfobipReportsQuery(query: Query): { messageIds?: string[]; limit: number } {
  onlyKnown(query, ["bulkId", "messageId", "limit"]);
  const limit = limitOf(query.limit);
  return { messageIds: messageIdsOf(query, limit), limit };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The message's outcome: its first final status, when it has one. */
const outcomeOf = (message: Message) => message.history.find((h) => FINAL_STATUSES.has(h.status));

/** One message as an entry of Infobip's logs: its current status. */
export function infobipLogEntry(message: Message) {
  const outcome = outcomeOf(message);
  const last = message.history.at(-1);
  return {
    bulkId: message.submissionId,
    messageId: message.messageId,
    to: message.to.address,
    from: message.from.address,
    text: message.subject,
    sentAt: iso(message.createdAt),
    ...(outcome ? { doneAt: iso(outcome.ts) } : {}),
    messageCount: 1,
    price: { pricePerMessage: 0, currency: "EUR" },
    status: statusFor(message.status),
    error: errorFor(outcome?.status ?? message.status, outcome?.reason ?? last?.reason ?? message.lastError),
    channel: "EMAIL",
  };
}

/** One message's delivery report: its outcome. */
export function infobipReportEntry(message: Message) {
  const outcome = outcomeOf(message);
  const status = outcome?.status ?? message.status;
  return {
    bulkId: message.submissionId,
    messageId: message.messageId,
    to: message.to.address,
    sentAt: iso(message.createdAt),
    doneAt: iso(outcome?.ts ?? message.createdAt),
    messageCount: 1,
    price: { pricePerMessage: 0, currency: "EUR" },
    status: statusFor(status),
    error: errorFor(status, outcome?.reason ?? message.lastError),
    channel: "EMAIL",
    ...(message.extraData?.[CALLBACK_DATA_FIELD] !== undefined ? { callbackData: message.extraData[CALLBACK_DATA_FIELD] } : {}),
  };
}
