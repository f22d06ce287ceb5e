// The one accept path both doors use (docs/architecture.md): check the sender, filter suppressed
// recipients, store the body once, record every message, then enqueue. The caller is answered
// only after the messages are durably recorded; an enqueue that fails is left to the sweeper.
// A single-recipient request with a small body costs one BatchWriteItem (body and message: one
// unit of work; the unsubscribe ticket travels sealed in the link) and one SendMessageBatch: the
// sender check and the caller are cached (shared/store/account-cache.ts).
//
// A scheduled send (Submission.sendAt) is recorded the same way with status SCHEDULED. When its
// time is within SQS's longest delay its job is queued now, delayed until then; later ones wait
// in the scheduled partitions of the sweeper's index, and the sweeper queues them when their
// time comes within that delay (shared/deliver/sweep.ts). Nothing waits in memory.
import { AppError } from "../domain/errors.ts";
import { messageIdFor, newId } from "../domain/ids.ts";
import { suppressionKey } from "../domain/address.ts";
import type { BodyStore } from "../files/bodies.ts";
import type { DeliveryQueue } from "../queue/deliveries.ts";
import { SQS_MAX_DELAY_SECONDS } from "../queue/sqs.ts";
import type { TagStore } from "../store/tags.ts";
import type { AccountCache } from "../store/account-cache.ts";
import { epochSeconds } from "../store/keys.ts";
import type { MessageStore } from "../store/messages.ts";
import type { SuppressionStore } from "../store/suppressions.ts";
import type { StatusService } from "../status/index.ts";
import type { UnitsOfWork } from "../store/unit-of-work.ts";

import type { AcceptedRecipient, Submission } from "../domain/submission.ts";
import { log } from "../log.ts";
import type { Caller } from "../domain/account.ts";
import type { NewMessage } from "../domain/message.ts";
import { unsubscribeTicket } from "../domain/suppression.ts";
import { canSealTicket } from "../domain/link-tokens.ts";

export interface AcceptDeps {
  accountCache: Pick<AccountCache, "isVerifiedSender" | "senderDomainProblem">;
  messages: MessageStore;
  suppressions: SuppressionStore;
  bodies: BodyStore;
  unitsOfWork: UnitsOfWork;
  deliveryQueue: DeliveryQueue;
  status: StatusService;
  retentionHours: number;
  tags: Pick<TagStore, "firstOverLimit">;
  tagsPerAccount: number;
}

export const REJECTED_UNSUBSCRIBED = "rejected_unsubscribed";

export async function acceptSubmission(
  deps: AcceptDeps,
  caller: Caller,
  submission: Submission,
  now = Date.now(),
): Promise<AcceptedRecipient[]> {
  if (!(await deps.accountCache.isVerifiedSender(caller.accountId, submission.from.address))) {
    const problem = await deps.accountCache.senderDomainProblem(caller.accountId, submission.from.address);
    throw new AppError("validation_error", {
      message: problem ?? `Sender ${submission.from.address} is not on a verified domain of this account`,
      reasons: [{ key: "sender_not_verified", ref: "Sender.Address" }],
    });
  }

  if (submission.tags?.length) {
    const over = await deps.tags.firstOverLimit(caller.accountId, submission.tags, deps.tagsPerAccount);
    if (over !== undefined) {
      throw new AppError("validation_error", {
        message: `Tag "${over}" would be this account's ${(deps.tagsPerAccount + 1).toLocaleString("en")}th distinct tag: an account may use at most ${deps.tagsPerAccount.toLocaleString("en")}`,
        reasons: [{ key: "tag_limit_reached", ref: "Tags" }],
      });
    }
  }

  const suppressed = submission.checkSuppression
    ? await deps.suppressions.findSuppressed(
        caller.accountId,
        submission.recipients.map((r) => r.address),
      )
    : new Set<string>();

  const submissionId = newId();
  const { sendAt, latestSendAt } = submission;
  const scheduled = sendAt !== undefined;
  const retention = deps.retentionHours * 3600;
  // A message is kept for the retention after it is sent; a scheduled body as long as the message could be moved.
  const expiresAt = epochSeconds(sendAt ?? now) + retention;
  const bodyExpiresAt = epochSeconds(Math.max(sendAt ?? now, latestSendAt ?? now)) + retention;
  // Not queued yet: the sweeper queues it when its time is within SQS's longest delay.
  const held = scheduled && sendAt - now > SQS_MAX_DELAY_SECONDS * 1000;
  const rejected = submission.recipients.map((r) => suppressed.has(suppressionKey(r.address)));
  const work = deps.unitsOfWork.begin();
  // Nothing is stored for a submission whose every recipient is suppressed: there is nothing to send.
  const bodyKey = rejected.includes(false)
    ? await deps.bodies.prepare(work, caller.accountId, submissionId, bodyOf(submission), bodyExpiresAt, { scheduled })
    : "";
  const messages: NewMessage[] = submission.recipients.map((recipient, position) => ({
    messageId: messageIdFor(submissionId, position),
    accountId: caller.accountId,
    projectId: caller.projectId,
    submissionId,
    bodyKey,
    from: submission.from,
    to: { address: recipient.address, name: recipient.name },
    subject: submission.subject,
    mergeFields: recipient.mergeFields,
    extraData: recipient.extraData,
    metadata: submission.metadata,
    tags: submission.tags,
    options: recipient.structuredFields ? { ...submission.options, structuredFields: recipient.structuredFields } : submission.options,
    status: rejected[position] ? "REJECTED" : scheduled ? "SCHEDULED" : "ACCEPTED",
    lastError: rejected[position] ? REJECTED_UNSUBSCRIBED : undefined,
    ...(scheduled ? { sendAt, latestSendAt } : {}),
    createdAt: now,
    expiresAt,
  }));

  const toSend = messages.filter((m) => m.status !== "REJECTED");
  // Each sent message's unsubscribe link must outlive the message. Its token carries the ticket
  // sealed inside; only a ticket too long to seal is stored, in the same write.
  const unsealed = submission.options.skipUnsubscribe ? [] : toSend.map(unsubscribeTicket).filter((t) => !canSealTicket(t));
  if (unsealed.length) deps.suppressions.stageTickets(work, unsealed, now);
  deps.messages.stage(work, messages, now, { held });
  await work.commit();

  // Durable from here on: failures below are logged and repaired by the sweeper, never reported as a failed send.
  try {
    const ids = toSend.map((m) => m.messageId);
    if (!scheduled) await deps.deliveryQueue.enqueue(ids);
    else if (!held) await deps.deliveryQueue.enqueueAt(ids, sendAt, now);
  } catch (error) {
    log.warn("enqueue failed; the sweeper will pick these up", { submissionId, count: toSend.length, error: String(error) });
  }
  try {
    await deps.status.notify(
      messages.map((m) => ({
        // The new fields first: an object literal that starts with a spread and then grows is slow to build (shared/store/messages.ts).
        message: { statusRank: 0, history: [], version: 1, attempts: 0, ...m },
        change: { status: m.status, ts: now, reason: m.lastError },
      })),
    );
  } catch (error) {
    log.error("status listeners failed for new messages", { submissionId, error: String(error) });
  }

  return messages.map((m, i) => ({
    index: submission.recipients[i].index,
    address: m.to.address,
    messageId: m.messageId,
    status: m.status as AcceptedRecipient["status"],
    reason: m.lastError,
  }));
}

const bodyOf = (submission: Submission) => ({
  from: submission.from,
  subject: submission.subject,
  html: submission.html,
  text: submission.text,
  replyTo: submission.replyTo,
  headers: submission.headers,
  attachments: submission.attachments,
});
