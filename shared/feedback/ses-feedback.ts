// What an SES event means for a Posthaste message. Final outcomes become statuses (and hard
// bounces and complaints suppress the address, through the status service); a transient bounce
// or a delivery delay does not end the message: SES is still trying, so only a log line.
import type { StatusChange } from "../domain/status.ts";
import { log } from "../log.ts";
import type { StatusService } from "../status/status-service.ts";
import { kindOf, posthasteMessageId, type SesNotification } from "./ses-notification.ts";

export interface SesOutcome {
  messageId?: string;
  /** Absent when the event changes no status. */
  change?: StatusChange;
  hardBounce?: boolean;
  /** Why nothing is recorded, or what to log with it. */
  note?: string;
}

const time = (iso: string | undefined, fallback: string | undefined) => {
  const ms = Date.parse(iso ?? fallback ?? "");
  return Number.isNaN(ms) ? Date.now() : ms;
};

export function interpretSesNotification(notification: SesNotification): SesOutcome {
  const messageId = posthasteMessageId(notification.mail);
  const mailTs = notification.mail.timestamp;
  switch (kindOf(notification)) {
    case "Send":
      return { messageId, change: { status: "SENT", ts: time(mailTs, undefined) } };
    case "Delivery": {
      const delivery = notification.delivery;
      return { messageId, change: { status: "DELIVERED", ts: time(delivery?.timestamp, mailTs), reason: delivery?.smtpResponse } };
    }
    case "Bounce": {
      const bounce = notification.bounce!;
      const first = bounce.bouncedRecipients?.[0];
      const reason = [`${bounce.bounceType}/${bounce.bounceSubType ?? "General"}`, first?.diagnosticCode ?? first?.status].filter(Boolean).join(": ");
      if (bounce.bounceType === "Transient") return { messageId, note: `transient bounce, not final: ${reason}` };
      return {
        messageId,
        change: { status: "BOUNCED", ts: time(bounce.timestamp, mailTs), reason },
        hardBounce: bounce.bounceType === "Permanent",
      };
    }
    case "Complaint": {
      const complaint = notification.complaint!;
      // A "not-spam" report takes a complaint back; it is no reason to stop mailing.
      if (complaint.complaintFeedbackType === "not-spam") return { messageId, note: "not-spam feedback report" };
      const reason = ["complaint", complaint.complaintFeedbackType, complaint.complaintSubType].filter(Boolean).join(": ");
      return { messageId, change: { status: "COMPLAINED", ts: time(complaint.timestamp, mailTs), reason } };
    }
    case "Reject":
      return { messageId, change: { status: "REJECTED", ts: time(undefined, mailTs), reason: `rejected by SES: ${notification.reject?.reason ?? "unknown"}` } };
    case "DeliveryDelay": {
      const delay = notification.deliveryDelay;
      const first = delay?.delayedRecipients?.[0];
      return { messageId, note: `delivery delayed (${delay?.delayType ?? "unknown"}): ${first?.diagnosticCode ?? first?.status ?? ""}`.trim() };
    }
    case "Open":
      return { messageId, change: { status: "OPENED", ts: time(notification.open?.timestamp, mailTs) } };
    case "Click":
      return { messageId, change: { status: "CLICKED", ts: time(notification.click?.timestamp, mailTs) } };
    default:
      return { messageId, note: `SES event ${kindOf(notification)} is not tracked` };
  }
}

export type SesApplyResult = "recorded" | "duplicate" | "ignored" | "unmatched";

/** Records what the event means. A repeated event changes nothing (the status service ignores it). */
export async function applySesNotification(deps: { status: StatusService }, notification: SesNotification): Promise<SesApplyResult> {
  const outcome = interpretSesNotification(notification);
  const fields = { eventType: kindOf(notification), sesMessageId: notification.mail.messageId, messageId: outcome.messageId };
  if (!outcome.messageId) {
    log.warn("SES event for a message without a Posthaste id; ignored", fields);
    return "unmatched";
  }
  if (!outcome.change) {
    log.info("SES event changes no status", { ...fields, note: outcome.note });
    return "ignored";
  }
  const recorded = await deps.status.record(outcome.messageId, outcome.change, { hardBounce: outcome.hardBounce });
  return recorded ? "recorded" : "duplicate";
}
