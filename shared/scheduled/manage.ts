// Scheduled sends after they are accepted (docs/http-api.md, scheduled sends): cancel what has not
// gone yet (DELETE /email/scheduled/{submissionId}), or move it (PATCH, a new SendAt). Always the
// caller's own messages: another account's submission answers like an unknown one. A message a
// worker is sending right now, or already sent, is left as it is and reported with its status.
import * as z from "zod/mini";
import type { Caller } from "../domain/account.ts";
import { AppError } from "../domain/errors.ts";
import { messageIdFor, submissionOf } from "../domain/ids.ts";
import type { Message } from "../domain/message.ts";
import { describeReason, parseOrThrow } from "../domain/reasons.ts";
import { parseSendAt, sendAtProblem } from "../domain/schedule.ts";
import type { DeliveryQueue } from "../queue/deliveries.ts";
import { SQS_MAX_DELAY_SECONDS } from "../queue/sqs.ts";
import type { StatusService } from "../status/index.ts";
import { epochSeconds } from "../store/keys.ts";
import type { MessageStore } from "../store/messages.ts";

export interface ScheduledDeps {
  messages: Pick<MessageStore, "getMany" | "cancelScheduled" | "reschedule">;
  status: Pick<StatusService, "notify">;
  deliveryQueue: Pick<DeliveryQueue, "enqueueAt">;
  retentionHours: number;
}

/** Copies read at a time; a submission holds at most as many as a request has recipients. */
const PAGE = 100;
const MAX_PAGES = 100;

const SUBMISSION_ID = /^[\w-]{25}$/;

/** `id`: a submission id, or the id of any of its messages (the SMTP door answers with one). */
function submissionIdOf(id: string): string | undefined {
  if (SUBMISSION_ID.test(id)) return id;
  return /^[\w-]{26,40}$/.test(id) ? submissionOf(id)?.submissionId : undefined;
}

const notFound = (id: string) =>
  new AppError("not_found", { message: `Scheduled submission ${id} was not found`, reasons: [{ key: "not_found", ref: "submissionId" }] });

/** The caller's messages of a submission, in order; not_found when it has none. */
async function ownMessages(deps: ScheduledDeps, caller: Caller, id: string, now: number): Promise<Message[]> {
  const submissionId = submissionIdOf(id);
  if (!submissionId) throw notFound(id);
  const found: Message[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const ids = Array.from({ length: PAGE }, (_, i) => messageIdFor(submissionId, page * PAGE + i));
    const messages = await deps.messages.getMany(ids, now);
    found.push(...messages);
    if (messages.length < PAGE) break;
  }
  const own = found.filter((m) => m.accountId === caller.accountId && (!caller.projectId || m.projectId === caller.projectId));
  if (own.length === 0 || !own.some((m) => m.sendAt !== undefined)) throw notFound(id);
  return own.sort((a, b) => (a.messageId < b.messageId ? -1 : 1));
}

function answer(submissionId: string, messages: Message[], extra: Record<string, unknown> = {}) {
  return {
    Result: {
      SubmissionId: submissionId,
      ...extra,
      Messages: messages.map((m) => ({ MessageId: m.messageId, Status: m.status })),
    },
    Code: "ok",
  };
}

const nothingLeft = (submissionId: string, messages: Message[], what: string) =>
  new AppError("conflict", {
    message: `Submission ${submissionId} has nothing left to ${what}: its messages are ${[...new Set(messages.map((m) => m.status))].join(", ")} (a message being sent right now cannot be stopped)`,
    reasons: [{ key: "not_scheduled", ref: "submissionId" }],
  });

/** Cancels every message of the submission that is still waiting for its time: CANCELLED, with its webhook. */
export async function cancelScheduled(deps: ScheduledDeps, caller: Caller, id: string, now = Date.now()) {
  const messages = await ownMessages(deps, caller, id, now);
  const submissionId = messages[0].submissionId;
  const change = { status: "CANCELLED" as const, ts: now, reason: "cancelled by the sender" };
  const after = await Promise.all(
    messages.map(async (m) => (m.status === "SCHEDULED" ? ((await deps.messages.cancelScheduled(m.messageId, change, now)) ?? m) : m)),
  );
  const cancelled = after.filter((m, i) => m.status === "CANCELLED" && messages[i].status === "SCHEDULED");
  if (cancelled.length === 0) throw nothingLeft(submissionId, after, "cancel");
  await deps.status.notify(cancelled.map((message) => ({ message, change })));
  return answer(submissionId, after, { Cancelled: cancelled.length });
}

export const moveSchema = z.strictObject({ SendAt: z.string() });

/** Moves every message of the submission still waiting for its time to a new SendAt. */
export async function moveScheduled(deps: ScheduledDeps, caller: Caller, id: string, input: unknown, now = Date.now()) {
  const request = parseOrThrow(moveSchema, input ?? {});
  const sendAt = parseSendAt(request.SendAt);
  if (sendAt === undefined) {
    throw new AppError("validation_error", {
      message: describeReason({ key: "invalid_date", ref: "SendAt" }),
      reasons: [{ key: "invalid_date", ref: "SendAt" }],
    });
  }
  const messages = await ownMessages(deps, caller, id, now);
  const submissionId = messages[0].submissionId;
  const waiting = messages.filter((m) => m.status === "SCHEDULED");
  if (waiting.length === 0) throw nothingLeft(submissionId, messages, "move");
  const latest = Math.min(...waiting.map((m) => m.latestSendAt ?? m.createdAt + 30 * 86_400_000));
  const problem = sendAtProblem(sendAt, now, latest);
  if (problem) {
    throw new AppError("validation_error", { message: `SendAt ${problem}`, reasons: [{ key: "send_at_out_of_range", ref: "SendAt" }] });
  }
  const held = sendAt - now > SQS_MAX_DELAY_SECONDS * 1000;
  const expiresAt = epochSeconds(sendAt) + deps.retentionHours * 3600;
  const moved = await Promise.all(waiting.map((m) => deps.messages.reschedule(m.messageId, sendAt, { held, expiresAt, now })));
  const movedIds = waiting.filter((_, i) => moved[i]).map((m) => m.messageId);
  if (movedIds.length === 0) throw nothingLeft(submissionId, messages, "move");
  // Jobs queued for the old time find the new one when they arrive (the claim checks it) and do nothing.
  if (!held) await deps.deliveryQueue.enqueueAt(movedIds, sendAt, now);
  // Those that could not be moved were taken by a worker meanwhile: shown as they are now.
  const missed = waiting.filter((_, i) => !moved[i]).map((m) => m.messageId);
  const current = new Map((missed.length ? await deps.messages.getMany(missed, now) : []).map((m) => [m.messageId, m]));
  return answer(
    submissionId,
    messages.map((m) => current.get(m.messageId) ?? m),
    { SendAt: new Date(sendAt).toISOString(), Moved: movedIds.length },
  );
}
