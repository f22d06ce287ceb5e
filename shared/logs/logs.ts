// GET /email/logs (docs/http-api.md, logs): every message of the last RETENTION_HOURS, newest
// first, as often as asked, filtered. A page reads the account's log index across its shards,
// then the page's messages by key (BatchGetItem), and filters them; a filter that matches
// little ends the page early with a cursor rather than reading on without bound.
import type { Caller } from "../domain/account.ts";
import { isValidAddress } from "../domain/address.ts";
import { signToken, verifyToken } from "../domain/link-tokens.ts";
import type { Message } from "../domain/message.ts";
import { onlyKnown, parseInstant, parseLimit, refuse, valuesOf, type Query } from "../domain/query-parameters.ts";
import { STATUSES, type Status } from "../domain/status.ts";
import { LOG_SHARDS, isLive, timeKey } from "../store/keys.ts";
import { messageIdOfLogKey, type MessageLogStore } from "../store/message-log.ts";
import { messageView } from "../status/index.ts";

export const LOGS_PAGE_DEFAULT = 50;
export const LOGS_PAGE_MAX = 1000;
const PARAMETERS = ["messageId", "to", "from", "status", "sentSince", "sentUntil", "tag", "projectId", "limit", "cursor"] as const;
/** A filtered page examines at most this many messages (or twice its limit) before it hands back a cursor. */
const EXAMINED_MIN = 500;

export interface LogsDeps {
  log: Pick<MessageLogStore, "reader" | "getMany">;
  retentionHours: number;
  /** Signs cursors, so a cursor only works for the account (and project) it was given to. */
  cursorSecret: string;
}

export interface LogsQuery {
  messageIds?: string[];
  to?: string;
  from?: string;
  statuses?: Status[];
  sentSince?: number;
  sentUntil?: number;
  tag?: string;
  projectId?: string;
  limit: number;
  /** The log key the page starts below. */
  below?: string;
}

const cursorKey = (secret: string, caller: Pick<Caller, "accountId" | "projectId">) =>
  `${secret}\n${caller.accountId}\n${caller.projectId ?? ""}`;

export function encodeCursor(secret: string, caller: Pick<Caller, "accountId" | "projectId">, logKey: string) {
  return signToken(cursorKey(secret, caller), "log-cursor", Buffer.from(logKey).toString("base64url"));
}

function decodeCursor(secret: string, caller: Pick<Caller, "accountId" | "projectId">, cursor: string): string {
  const payload = verifyToken(cursorKey(secret, caller), "log-cursor", cursor);
  const logKey = payload === undefined ? undefined : Buffer.from(payload, "base64url").toString("utf8");
  if (!logKey || !/^\d{13}#[\w-]+$/.test(logKey))
    throw refuse("cursor", "invalid_cursor", "cursor is not one this API returned to this API key");
  return logKey;
}

const address = (value: string, ref: string) => {
  const trimmed = value.trim();
  if (!isValidAddress(trimmed)) throw refuse(ref, "invalid_address", `${ref} is not a valid email address`);
  return trimmed.toLowerCase();
};

export function parseLogsQuery(query: Query, caller: Pick<Caller, "accountId" | "projectId">, cursorSecret: string): LogsQuery {
  onlyKnown(query, PARAMETERS);
  const limit = parseLimit(query.limit, { fallback: LOGS_PAGE_DEFAULT, max: LOGS_PAGE_MAX });
  const result: LogsQuery = { limit };
  if (query.messageId !== undefined) {
    const ids = valuesOf(query.messageId);
    if (ids.length === 0 || ids.some((id) => !/^[\w-]{10,64}$/.test(id)))
      throw refuse("messageId", "invalid_value", "messageId is not a message id");
    if (ids.length > limit)
      throw refuse("messageId", "too_many_items", `At most limit (${limit}) message ids a request; raise limit up to ${LOGS_PAGE_MAX}`);
    result.messageIds = [...new Set(ids)];
  }
  if (query.to !== undefined) result.to = address(query.to, "to");
  if (query.from !== undefined) result.from = address(query.from, "from");
  if (query.status !== undefined) {
    const statuses = valuesOf(query.status).map((s) => s.toUpperCase());
    if (statuses.length === 0 || statuses.some((s) => !(STATUSES as readonly string[]).includes(s)))
      throw refuse("status", "invalid_value", `status must be one or more of ${STATUSES.join(", ")}`);
    result.statuses = statuses as Status[];
  }
  if (query.sentSince !== undefined) result.sentSince = parseInstant(query.sentSince, "sentSince");
  if (query.sentUntil !== undefined) result.sentUntil = parseInstant(query.sentUntil, "sentUntil");
  if (result.sentSince !== undefined && result.sentUntil !== undefined && result.sentSince > result.sentUntil)
    throw refuse("sentSince", "from_after_to", "sentSince is after sentUntil");
  if (query.tag !== undefined) {
    if (query.tag.length === 0 || query.tag.length > 256) throw refuse("tag", "invalid_value", "tag must be 1 to 256 characters");
    result.tag = query.tag;
  }
  if (query.projectId !== undefined) {
    if (!/^[\w-]{1,64}$/.test(query.projectId)) throw refuse("projectId", "invalid_value", "projectId is not a project id");
    result.projectId = query.projectId;
  }
  if (query.cursor !== undefined) {
    if (result.messageIds) throw refuse("cursor", "invalid_combination", "messageId answers in one page: no cursor");
    result.below = decodeCursor(cursorSecret, caller, query.cursor);
  }
  return result;
}

export interface LogsPage {
  entries: Message[];
  /** Where the next page starts; absent after the last. */
  next?: string;
  /** Index entries and messages read (the bench reports them). */
  keysRead: number;
  itemsRead: number;
}

/** Index entries each shard is read for at first: enough, nearly always, for a page of `count`. */
const perShard = (count: number) => {
  const share = count / LOG_SHARDS;
  return Math.ceil(share + 2 * Math.sqrt(share)) + 2;
};

export async function readLogs(
  deps: LogsDeps,
  caller: Pick<Caller, "accountId" | "projectId">,
  q: LogsQuery,
  now = Date.now(),
): Promise<LogsPage> {
  const oldest = now - deps.retentionHours * 3_600_000;
  const matches = (m: Message) =>
    m.accountId === caller.accountId &&
    isLive(m, now) &&
    m.createdAt >= oldest &&
    (!caller.projectId || m.projectId === caller.projectId) &&
    (q.projectId === undefined || m.projectId === q.projectId) &&
    (q.to === undefined || m.to.address.toLowerCase() === q.to) &&
    (q.from === undefined || m.from.address.toLowerCase() === q.from) &&
    (q.statuses === undefined || q.statuses.includes(m.status)) &&
    (q.tag === undefined || (m.tags ?? []).includes(q.tag)) &&
    (q.sentSince === undefined || m.createdAt >= q.sentSince) &&
    (q.sentUntil === undefined || m.createdAt <= q.sentUntil);
  const newestFirst = (a: Message, b: Message) => b.createdAt - a.createdAt || (a.messageId < b.messageId ? 1 : -1);

  if (q.messageIds) {
    // Another tenant's id is simply not among the rows.
    const found = await deps.log.getMany(q.messageIds);
    return { entries: found.filter(matches).sort(newestFirst), keysRead: 0, itemsRead: q.messageIds.length };
  }

  const from = timeKey(Math.max(q.sentSince ?? 0, oldest));
  const untilBound = q.sentUntil === undefined ? "~" : timeKey(q.sentUntil + 1);
  const below = q.below !== undefined && q.below < untilBound ? q.below : untilBound;
  if (from >= below) return { entries: [], keysRead: 0, itemsRead: 0 };

  const filtered = Boolean(q.to || q.from || q.statuses || q.tag !== undefined || q.projectId || caller.projectId);
  const maxExamined = filtered ? Math.max(EXAMINED_MIN, 2 * q.limit) : q.limit;
  const chunk = filtered ? Math.max(q.limit, 100) : q.limit;
  const reader = deps.log.reader(
    caller.accountId,
    { from, below },
    { perShard: perShard(chunk), maxKeys: 4 * maxExamined + 8 * LOG_SHARDS },
  );
  const entries: Message[] = [];
  let examined = 0;
  let lastExamined: string | undefined;
  let stoppedEarly = false;
  while (entries.length < q.limit && examined < maxExamined) {
    const logKeys = await reader.next(Math.min(chunk, maxExamined - examined));
    if (logKeys.length === 0) break;
    const found = new Map((await deps.log.getMany(logKeys.map(messageIdOfLogKey))).map((m) => [m.messageId, m]));
    for (const [i, logKey] of logKeys.entries()) {
      lastExamined = logKey;
      examined++;
      const message = found.get(messageIdOfLogKey(logKey));
      if (message && matches(message)) entries.push(message);
      if (entries.length === q.limit) {
        stoppedEarly = i < logKeys.length - 1;
        break;
      }
    }
  }
  const more = stoppedEarly || !reader.done;
  return { entries, next: more ? lastExamined : undefined, keysRead: reader.keysRead, itemsRead: examined };
}

export function logEntryView(message: Message) {
  const view = messageView(message);
  return {
    MessageId: view.MessageId,
    SubmissionId: message.submissionId,
    ...(message.projectId ? { ProjectId: message.projectId } : {}),
    Status: view.Status,
    Address: view.Address,
    Sender: view.Sender,
    Subject: view.Subject,
    CreatedAt: view.CreatedAt,
    ...(lastReason(message) ? { Reason: lastReason(message) } : {}),
    Opens: view.Opens,
    Clicks: view.Clicks,
    ...(view.Tags ? { Tags: view.Tags } : {}),
    History: view.History,
  };
}

/** The last reason the history gives (a bounce's diagnostic, a rejection's cause), else the last error. */
export function lastReason(message: Message): string | undefined {
  return [...message.history].reverse().find((h) => h.reason)?.reason ?? message.lastError;
}

export async function listLogs(deps: LogsDeps, caller: Pick<Caller, "accountId" | "projectId">, query: Query, now = Date.now()) {
  const q = parseLogsQuery(query, caller, deps.cursorSecret);
  const page = await readLogs(deps, caller, q, now);
  return {
    Result: page.entries.map(logEntryView),
    ...(page.next ? { Cursor: encodeCursor(deps.cursorSecret, caller, page.next) } : {}),
    Code: "ok",
  };
}
