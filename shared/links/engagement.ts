// Opens and clicks. Every one is counted on the message; only the first of each changes its
// status (OPENED, CLICKED). A click also proves the mail was opened, so a first click with
// images blocked records OPENED too: statistics never show more clicks than opens.
import type { StatusService } from "../status/index.ts";
import type { MessageStore } from "../store/messages.ts";
import type { Message } from "../domain/message.ts";

export interface EngagementDeps {
  messages: Pick<MessageStore, "countEngagement">;
  status: Pick<StatusService, "record">;
}

const has = (message: Message, status: string) => message.history.some((h) => h.status === status);

/** Returns false when the message is unknown or past its retention: nothing is recorded then. */
export async function recordOpen(deps: EngagementDeps, messageId: string, now = Date.now()): Promise<boolean> {
  const message = await deps.messages.countEngagement(messageId, "opens", now);
  if (!message) return false;
  if (!has(message, "OPENED")) await deps.status.record(messageId, { status: "OPENED", ts: now }, { known: message });
  return true;
}

export async function recordClick(deps: EngagementDeps, messageId: string, now = Date.now()): Promise<boolean> {
  let message = await deps.messages.countEngagement(messageId, "clicks", now);
  if (!message) return false;
  if (!has(message, "OPENED")) {
    message =
      (await deps.status.record(messageId, { status: "OPENED", ts: now, reason: "implied by a click" }, { known: message })) ?? message;
  }
  if (!has(message, "CLICKED")) await deps.status.record(messageId, { status: "CLICKED", ts: now }, { known: message });
  return true;
}
