// What an SES event means for a Posthaste message, as a provider-neutral FeedbackEvent: final
// outcomes become status changes (hard bounces and complaints then suppress the address, through
// the status service); a transient bounce or a delivery delay does not end the message (SES is
// still trying), so it changes nothing and is only logged.
import type { FeedbackEvent } from "../domain/feedback.ts";
import { kindOf, posthasteMessageId, type SesNotification } from "./ses-notification.ts";

const time = (iso: string | undefined, fallback: string | undefined) => {
  const ms = Date.parse(iso ?? fallback ?? "");
  return Number.isNaN(ms) ? Date.now() : ms;
};

export function sesFeedback(notification: SesNotification): FeedbackEvent {
  const event = { provider: "ses", kind: kindOf(notification), providerMessageId: notification.mail.messageId };
  return { ...event, ...sesOutcome(notification) };
}

function sesOutcome(notification: SesNotification): Omit<FeedbackEvent, "provider" | "kind" | "providerMessageId"> {
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
      const reason = [`${bounce.bounceType}/${bounce.bounceSubType ?? "General"}`, first?.diagnosticCode ?? first?.status]
        .filter(Boolean)
        .join(": ");
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
      return {
        messageId,
        change: { status: "REJECTED", ts: time(undefined, mailTs), reason: `rejected by SES: ${notification.reject?.reason ?? "unknown"}` },
      };
    case "DeliveryDelay": {
      const delay = notification.deliveryDelay;
      const first = delay?.delayedRecipients?.[0];
      return {
        messageId,
        note: `delivery delayed (${delay?.delayType ?? "unknown"}): ${first?.diagnosticCode ?? first?.status ?? ""}`.trim(),
      };
    }
    case "Open":
      return { messageId, change: { status: "OPENED", ts: time(notification.open?.timestamp, mailTs) } };
    case "Click":
      return { messageId, change: { status: "CLICKED", ts: time(notification.click?.timestamp, mailTs) } };
    default:
      return { messageId, note: `SES event ${kindOf(notification)} is not tracked` };
  }
}
