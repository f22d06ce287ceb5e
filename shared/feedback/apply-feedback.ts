// Applies what a mail provider reported (a FeedbackEvent, whoever the provider) to the message:
// its status changes through the status service, which also suppresses the address after a
// hard bounce or a complaint. A repeated event changes nothing (the status service ignores it).
import type { FeedbackEvent } from "../domain/feedback.ts";
import { log } from "../log.ts";
import type { StatusService } from "../status/index.ts";

export type FeedbackResult = "recorded" | "duplicate" | "ignored" | "unmatched";

export async function applyFeedback(deps: { status: Pick<StatusService, "record"> }, event: FeedbackEvent): Promise<FeedbackResult> {
  const fields = {
    provider: event.provider,
    eventType: event.kind,
    providerMessageId: event.providerMessageId,
    messageId: event.messageId,
  };
  if (!event.messageId) {
    log.warn("feedback for a message without a Posthaste id; ignored", fields);
    return "unmatched";
  }
  if (!event.change) {
    log.info("feedback changes no status", { ...fields, note: event.note });
    return "ignored";
  }
  const recorded = await deps.status.record(event.messageId, event.change, { hardBounce: event.hardBounce });
  return recorded ? "recorded" : "duplicate";
}
