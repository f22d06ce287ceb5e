// Webhook events and the records that carry them to one target (docs/webhooks.md).
import type { DomainWebhookEvent } from "./sending-domain.ts";
import type { Status } from "./status.ts";

export interface ItemKey {
  pk: string;
  sk: string;
}

export interface WebhookEvent {
  channel: "EMAIL";
  messageId: string;
  /** Epoch milliseconds when the status changed. */
  ts: number;
  status: Status;
  taskId: number;
  triggerId: number;
  email: string;
  /** The same for every delivery of this change, so a receiver can drop duplicates. */
  eventId: string;
  /** Position of this change in the message's history, from 1: sorts one message's events. */
  sequence: number;
  /** The recipient's ExtraData (without callbackUrl) and the submission's metadata. */
  metadata?: Record<string, string>;
  tags?: string[];
  reason?: string;
  /** Events for an Infobip notifyUrl only: when the message was accepted, and the request's callbackData. */
  sentAt?: number;
  callbackData?: string;
}

/** A test event, sent on request to one webhook URL so its owner can check the receiving end (signature included). */
export interface TestWebhookEvent {
  event: "webhook.test";
  eventId: string;
  /** Epoch milliseconds of the request. */
  ts: number;
  webhookId: string;
}

/** What a webhook record carries: status changes of messages, events of the account's sending domains, and test events. */
export type AnyWebhookEvent = WebhookEvent | DomainWebhookEvent | TestWebhookEvent;

export const isMessageEvent = (event: AnyWebhookEvent): event is WebhookEvent => !("event" in event);

/** `shape: "infobip"`: a notifyUrl of the Infobip door, posted Infobip's `{"results": [...]}` (docs/moving-from-infobip.md). */
export type WebhookTarget = { endpointId: string } | { callbackUrl: string; shape?: "infobip" };

export interface WebhookJob {
  accountId: string;
  target: WebhookTarget;
  events: AnyWebhookEvent[];
  /** The record's outbox item, removed when the consumer is done with it. Absent in records queued before the outbox existed. */
  outbox?: ItemKey;
}
