// Delivery of one message as named steps that can stop early (docs/architecture.md): claim, load the body,
// compose, send, then record what happened and decide whether to try again.
import type { Config } from "../config.ts";
import type { BodyStore } from "../files/bodies.ts";
import type { AttachmentLoader } from "../files/attachments.ts";
import { sleep } from "../lib/backoff.ts";
import { log } from "../log.ts";
import { METRIC, metrics } from "../observability.ts";
import type { DeliveryQueue } from "../queue/deliveries.ts";
import { SQS_MAX_DELAY_SECONDS } from "../queue/sqs.ts";
import type { StatusChange } from "../domain/status.ts";
import { composeMail, type Composed, isTemplateError, type TemplateError } from "../render/index.ts";
import type { StatusService } from "../status/index.ts";
import type { MessageStore } from "../store/messages.ts";
import type { AccountCache } from "../store/account-cache.ts";
import { TransportError, type SendResult, type Transport } from "../transport/transport.ts";
import type { Message } from "../domain/message.ts";
import { domainOf } from "../domain/address.ts";
import { returnPathAddress, type SenderIdentity } from "../domain/sending-domain.ts";
import { holdFor, type PaceDecision, type SendPacer } from "./send-pacing.ts";

export interface DeliverDeps {
  config: Pick<Config, "delivery" | "publicUrl" | "linkSecret" | "unsubscribeMailDomain">;
  messages: MessageStore;
  accountCache: Pick<AccountCache, "policy">;
  bodies: BodyStore;
  status: StatusService;
  deliveryQueue: DeliveryQueue;
  transport: Transport;
  loadAttachments: AttachmentLoader;
  /** How the sender's domain signs and addresses its mail (shared/domains/sender-identities.ts). */
  senders?: { of(accountId: string, domain: string): Promise<SenderIdentity> };
  /** Holds sends to the SES account's rate and daily quota (with the SES transport). */
  pacer?: SendPacer;
}

export type DeliveryOutcome =
  | { step: "claim"; result: "skipped" }
  | { step: "compose"; result: "rejected"; reason: string }
  | { step: "send"; result: "delivered" | "sent" }
  | { step: "send"; result: "bounced"; reason: string }
  | { step: "send"; result: "retry"; delaySeconds: number; reason: string }
  /** Held back for the sender's own volume (the SES rate or daily quota): back in the queue, not an attempt. */
  | { step: "send"; result: "held"; delaySeconds: number; reason: string };

/** Backoff for 4xx answers: base, 2x base, 4x base ... capped at SQS's longest delay. */
export const retryDelaySeconds = (attempt: number, baseSeconds: number) =>
  Math.min(baseSeconds * 2 ** Math.max(0, attempt - 1), SQS_MAX_DELAY_SECONDS);

export interface DeliveryAttempt {
  /** This is the queue's last receive of the job: a failure of ours now parks it in the DLQ. */
  lastReceive?: boolean;
  now?: number;
}

export async function deliverMessage(deps: DeliverDeps, messageId: string, attempt: DeliveryAttempt = {}): Promise<DeliveryOutcome> {
  const now = attempt.now ?? Date.now();
  const message = await deps.messages.claimForDelivery(messageId, deps.config.delivery.claimSeconds, now);
  if (!message) return { step: "claim", result: "skipped" };

  let sent: SendResult;
  let missingFields: string[];
  try {
    const [body, account, sender] = await Promise.all([
      deps.bodies.get(message.bodyKey),
      deps.accountCache.policy(message.accountId, message.projectId),
      deps.senders?.of(message.accountId, domainOf(message.from.address)) ?? ({} as SenderIdentity),
    ]);
    let composed: Composed;
    try {
      composed = signedBy(
        composeMail(message, body, { ...deps.config, publicUrl: sender.linkBase ?? deps.config.publicUrl }, account),
        sender,
      );
    } catch (error) {
      if (isTemplateError(error)) return await refused(deps, message, error);
      throw error;
    }
    missingFields = composed.missingFields;
    const attachments = composed.mail.attachments.length ? await deps.loadAttachments(composed.mail.attachments) : [];
    const room = deps.pacer ? await deps.pacer.acquire() : undefined;
    if (room && !room.go) return await heldBack(deps, message, room, "no room in the SES account's sending limits");
    try {
      sent = await deps.transport.send(composed.mail, attachments);
    } catch (error) {
      if (error instanceof TransportError && error.throttle) {
        const hold = deps.pacer?.refused(error.throttle) ?? holdFor(error.throttle, deps.config.delivery.throttleRetrySeconds);
        return await heldBack(deps, message, hold, error.message);
      }
      if (error instanceof TransportError) return await failed(deps, message, error);
      throw error;
    }
  } catch (error) {
    // Something of ours failed before the message went out (S3, DynamoDB, a bug): give it back
    // so SQS can retry it; after its last receive it lands in the dead-letter queue.
    const settle = attempt.lastReceive ? deps.messages.park(messageId, String(error)) : deps.messages.releaseClaim(messageId);
    await settle.catch(() => undefined);
    throw error;
  }

  const note = missingFields.length ? `missing merge fields: ${missingFields.join(", ")}` : undefined;
  const ts = Date.now();
  const changes: StatusChange[] = [{ status: "SENT", ts, reason: note }];
  // The receiving server itself answered (the local mailbox, a final-hop relay): both in one write.
  if (sent.outcome === "delivered") changes.push({ status: "DELIVERED", ts, reason: sent.response });
  await recordSent(deps, message, changes);
  return { step: "send", result: sent.outcome };
}

/** The sender domain's DKIM key, and the envelope sender on its return path (docs/domains.md). */
function signedBy(composed: Composed, sender: SenderIdentity): Composed {
  const { mail } = composed;
  return {
    ...composed,
    mail: {
      ...mail,
      ...(sender.dkim ? { dkim: sender.dkim } : {}),
      ...(sender.returnPath
        ? { envelope: { ...mail.envelope, from: returnPathAddress(domainOf(mail.from.address), mail.messageId) } }
        : {}),
    },
  };
}

const RECORD_SENT_ATTEMPTS = 4;

/**
 * Records that a message went out, before its job is acknowledged. Until this write lands, a
 * crash or a retry of the job would send the message again, so a failing write is tried a few
 * times; if it still fails the message stays claimed (never released): no worker sends it again
 * before the claim runs out, and then, with nothing recorded, it is sent again under the same
 * Message-ID (at least once: docs/local.md, "The delivery guarantee").
 */
async function recordSent(deps: DeliverDeps, message: Message, changes: StatusChange[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.status.record(message.messageId, changes, { known: message });
      return;
    } catch (error) {
      if (attempt === RECORD_SENT_ATTEMPTS) {
        log.error("sent, but the status could not be recorded", { messageId: message.messageId, error: String(error) });
        throw error;
      }
      await sleep(100 * 2 ** attempt);
    }
  }
}

/**
 * A template the sandbox refused (one accepted before the rules of today, or one that hits a
 * limit only with this copy's values): rendering again gives the same answer, and sending the
 * template unrendered would send what was refused, so the message ends here.
 */
async function refused(deps: DeliverDeps, message: Message, error: TemplateError): Promise<DeliveryOutcome> {
  const reason = `invalid_template: ${error.message}`;
  await deps.status.record(message.messageId, { status: "REJECTED", ts: Date.now(), reason }, { known: message });
  log.info("delivery refused a template", { messageId: message.messageId, reason });
  return { step: "compose", result: "rejected", reason };
}

/**
 * The sender's own volume is used up (the SES rate for now, or its daily quota): the message goes
 * back to the queue with a delay and keeps its attempts, so a burst never ends in bounces. A
 * daily quota pauses delivery until SES allows more; the DeliveryPaused metric raises an alarm.
 */
async function heldBack(deps: DeliverDeps, message: Message, hold: PaceDecision & { go: false }, why: string): Promise<DeliveryOutcome> {
  const { delaySeconds, throttle } = hold;
  const reason = `${throttle === "quota" ? "sending paused" : "sending rate"}: ${why}`;
  await deps.messages.scheduleRetry(message.messageId, Date.now() + delaySeconds * 1000, reason, { countsAsAttempt: false });
  await deps.deliveryQueue.enqueue([message.messageId], delaySeconds);
  metrics.count(throttle === "quota" ? METRIC.deliveryPaused : METRIC.sesThrottled);
  const fields = { messageId: message.messageId, delaySeconds, reason };
  if (throttle === "quota") log.warn("delivery paused: the SES daily quota is used up or sending is paused", fields);
  else log.info("delivery held back by the SES sending rate", fields);
  return { step: "send", result: "held", delaySeconds, reason };
}

async function failed(deps: DeliverDeps, message: Message, error: TransportError): Promise<DeliveryOutcome> {
  const { maxAttempts, retryBaseSeconds } = deps.config.delivery;
  if (error.permanent || message.attempts >= maxAttempts) {
    const reason = error.permanent ? error.message : `soft_bounce: gave up after ${message.attempts} attempts: ${error.message}`;
    await deps.status.record(
      message.messageId,
      { status: "BOUNCED", ts: Date.now(), reason },
      { known: message, hardBounce: error.hardBounce },
    );
    return { step: "send", result: "bounced", reason };
  }
  const delaySeconds = retryDelaySeconds(message.attempts, retryBaseSeconds);
  await deps.messages.scheduleRetry(message.messageId, Date.now() + delaySeconds * 1000, error.message);
  await deps.deliveryQueue.enqueue([message.messageId], delaySeconds);
  log.info("delivery deferred", { messageId: message.messageId, attempt: message.attempts, delaySeconds, reason: error.message });
  return { step: "send", result: "retry", delaySeconds, reason: error.message };
}
