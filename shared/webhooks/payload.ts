// One status change as a webhook event: the Devino shape of docs/webhooks.md plus what a receiver needs
// to order and deduplicate (`sequence`, `eventId`) and what we know about the message.
import type { StatusEvent } from "../domain/status.ts";
import { CALLBACK_DATA_FIELD, INTERMEDIATE_REPORT_FIELD, NOTIFY_URL_FIELD } from "../domain/infobip.ts";
import { isMessageEvent, type AnyWebhookEvent, type WebhookEvent } from "../domain/webhook.ts";

export const CALLBACK_URL_FIELD = "callbackUrl";

export const eventIdOf = (messageId: string, sequence: number) => `${messageId}.${sequence}`;

/** The history entry of this change; a message built before it was stored has none yet. */
export function sequenceOf({ message, change }: StatusEvent): number {
  for (let i = message.history.length - 1; i >= 0; i--) {
    const entry = message.history[i];
    if (entry.status === change.status && entry.ts === change.ts) return i + 1;
  }
  return message.history.length + 1;
}

export function buildWebhookEvent(event: StatusEvent): WebhookEvent {
  const { message, change } = event;
  const sequence = sequenceOf(event);
  const {
    [CALLBACK_URL_FIELD]: _callback,
    [NOTIFY_URL_FIELD]: _notify,
    [INTERMEDIATE_REPORT_FIELD]: _intermediate,
    [CALLBACK_DATA_FIELD]: _callbackData,
    ...extraData
  } = message.extraData ?? {};
  const metadata = { ...(message.metadata ?? {}), ...extraData };
  return {
    channel: "EMAIL",
    messageId: message.messageId,
    ts: change.ts,
    status: change.status,
    taskId: 0,
    triggerId: 0,
    email: message.to.address,
    eventId: eventIdOf(message.messageId, sequence),
    sequence,
    ...(Object.keys(metadata).length ? { metadata } : {}),
    ...(message.tags?.length ? { tags: message.tags } : {}),
    ...(change.reason ? { reason: change.reason } : {}),
  };
}

/**
 * The events of one request without duplicates, each message's in the order they happened.
 * Message ids sort by creation time, so this is also roughly chronological. Domain events
 * (which have no message) come first, in time order.
 */
export function orderEvents(events: AnyWebhookEvent[]): AnyWebhookEvent[] {
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  const domains = unique.filter((e) => !isMessageEvent(e)).sort((a, b) => a.ts - b.ts);
  const messages = unique
    .filter(isMessageEvent)
    .sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : a.sequence - b.sequence));
  return [...domains, ...messages];
}
