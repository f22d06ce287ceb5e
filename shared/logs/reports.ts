// GET /email/reports (docs/http-api.md, reports): the delivery report of each message that
// reached a final status, each handed out once. A reader lists unread reports shard by shard
// (from a random shard, so concurrent readers mostly meet different ones) and takes each with a
// conditional write; it returns only the reports it took. Ten readers at once never get the
// same report, and together they get every one.
import type { Caller } from "../domain/account.ts";
import type { Message } from "../domain/message.ts";
import { onlyKnown, parseLimit, refuse, valuesOf, type Query } from "../domain/query-parameters.ts";
import { FINAL_STATUSES } from "../domain/status.ts";
import { concurrencyLimit } from "../lib/concurrency.ts";
import { REPORT_SHARDS, timeKey } from "../store/keys.ts";
import type { MessageLogStore } from "../store/message-log.ts";
import type { ReportStore } from "../store/reports.ts";
import { lastReason } from "./logs.ts";

export const REPORTS_PAGE_DEFAULT = 50;
export const REPORTS_PAGE_MAX = 1000;
const PARAMETERS = ["messageId", "limit"] as const;
/** Unread reports one request looks at before it answers with what it has. */
const EXAMINED_MAX = 2000;

export interface ReportsDeps {
  reports: ReportStore;
  log: Pick<MessageLogStore, "getMany">;
  retentionHours: number;
  random?: () => number;
}

export function parseReportsQuery(query: Query): { messageIds?: string[]; limit: number } {
  onlyKnown(query, PARAMETERS);
  const limit = parseLimit(query.limit, { fallback: REPORTS_PAGE_DEFAULT, max: REPORTS_PAGE_MAX });
  if (query.messageId === undefined) return { limit };
  const ids = [...new Set(valuesOf(query.messageId))];
  if (ids.length === 0 || ids.some((id) => !/^[\w-]{10,64}$/.test(id)))
    throw refuse("messageId", "invalid_value", "messageId is not a message id");
  if (ids.length > limit) throw refuse("messageId", "too_many_items", `At most limit (${limit}) message ids a request`);
  return { messageIds: ids, limit };
}

export async function takeReports(
  deps: ReportsDeps,
  caller: Pick<Caller, "accountId" | "projectId">,
  q: { messageIds?: string[]; limit: number },
  now = Date.now(),
): Promise<Message[]> {
  const scope = { accountId: caller.accountId, projectId: caller.projectId };
  const writes = concurrencyLimit(8);
  const take = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => writes(() => deps.reports.take(id, scope, now))))).filter((m): m is Message => m !== undefined);

  if (q.messageIds) return take(q.messageIds);

  const taken: Message[] = [];
  let examined = 0;
  const fromKey = timeKey(now - deps.retentionHours * 3_600_000);
  const first = Math.floor((deps.random ?? Math.random)() * REPORT_SHARDS);
  for (let i = 0; i < REPORT_SHARDS && taken.length < q.limit && examined < EXAMINED_MAX; i++) {
    const shard = (first + i) % REPORT_SHARDS;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.reports.listUnread(caller.accountId, shard, fromKey, Math.min(q.limit - taken.length, 100), startKey);
      examined += page.messageIds.length;
      let candidates = page.messageIds;
      // A project key takes only its project's reports: look first, so the others stay for their readers.
      if (caller.projectId && candidates.length) {
        const ours = new Set((await deps.log.getMany(candidates)).filter((m) => m.projectId === caller.projectId).map((m) => m.messageId));
        candidates = candidates.filter((id) => ours.has(id));
      }
      taken.push(...(await take(candidates)));
      startKey = page.next;
    } while (startKey && taken.length < q.limit && examined < EXAMINED_MAX);
  }
  return taken;
}

export function reportView(message: Message) {
  const outcome = [...message.history].reverse().find((h) => FINAL_STATUSES.has(h.status));
  const sent = message.history.find((h) => h.status === "SENT");
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    MessageId: message.messageId,
    SubmissionId: message.submissionId,
    ...(message.projectId ? { ProjectId: message.projectId } : {}),
    Status: outcome?.status ?? message.status,
    ...((outcome?.reason ?? lastReason(message)) ? { Reason: outcome?.reason ?? lastReason(message) } : {}),
    Address: message.to.address,
    Sender: message.from.address,
    CreatedAt: iso(message.createdAt),
    ...(sent ? { SentAt: iso(sent.ts) } : {}),
    ...(outcome ? { DoneAt: iso(outcome.ts) } : {}),
    ...(message.tags?.length ? { Tags: message.tags } : {}),
    ...(Object.keys(message.extraData ?? {}).length ? { ExtraData: message.extraData } : {}),
  };
}

export async function getReports(deps: ReportsDeps, caller: Pick<Caller, "accountId" | "projectId">, query: Query, now = Date.now()) {
  const taken = await takeReports(deps, caller, parseReportsQuery(query), now);
  return { Result: taken.map(reportView), Code: "ok" };
}
