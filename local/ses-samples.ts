// SES event records shaped like the examples in the SES documentation ("Examples of event data
// that Amazon SES publishes to Amazon SNS"), for one of our messages. The local mailbox uses
// them to simulate SES feedback (complaint@ at the simulator domain); tests use them as input.
import { randomUUID } from "node:crypto";
import type { SesNotification } from "../shared/feedback/ses-notification.ts";
import { MESSAGE_ID_TAG } from "../shared/feedback/ses-notification.ts";

export type SampleKind = "Send" | "Delivery" | "Bounce" | "TransientBounce" | "Complaint" | "Reject" | "DeliveryDelay" | "Open" | "Click";

export interface SampleInput {
  /** Posthaste's message id, carried as the `posthaste_message_id` tag and header. */
  messageId: string;
  recipient: string;
  sender?: string;
  /** When the event happened; the mail was sent a second earlier. */
  at?: Date;
  /** Identity feedback notifications: `notificationType`, no tags, headers only. */
  identityNotification?: boolean;
}

export function sampleSesNotification(kind: SampleKind, input: SampleInput): SesNotification {
  const at = input.at ?? new Date();
  const timestamp = at.toISOString();
  const sender = input.sender ?? "sender@example.com";
  const sesMessageId = `0100018c${randomUUID().replace(/-/g, "").slice(0, 8)}-${randomUUID()}-000000`;
  const mail = {
    timestamp: new Date(at.getTime() - 1000).toISOString(),
    source: sender,
    sourceArn: `arn:aws:ses:us-east-1:123456789012:identity/${sender.split("@")[1]}`,
    sendingAccountId: "123456789012",
    messageId: sesMessageId,
    destination: [input.recipient],
    headersTruncated: false,
    headers: [
      { name: "From", value: sender },
      { name: "To", value: input.recipient },
      { name: "Subject", value: "Message sent from Posthaste" },
      { name: "MIME-Version", value: "1.0" },
      { name: "X-Posthaste-Message-Id", value: input.messageId },
    ],
    commonHeaders: { from: [sender], to: [input.recipient], messageId: sesMessageId, subject: "Message sent from Posthaste" },
    ...(input.identityNotification
      ? {}
      : {
          tags: {
            "ses:configuration-set": ["posthaste"],
            "ses:source-ip": ["192.0.2.0"],
            "ses:from-domain": [sender.split("@")[1]],
            "ses:caller-identity": ["posthaste-deliver"],
            [MESSAGE_ID_TAG]: [input.messageId],
          },
        }),
  };
  const type = kind === "TransientBounce" ? "Bounce" : kind;
  const head = input.identityNotification ? { notificationType: type } : { eventType: type };
  const feedbackId = `0100018c-${randomUUID()}-000000`;

  switch (kind) {
    case "Send":
      return { ...head, mail, send: {} };
    case "Delivery":
      return {
        ...head,
        mail,
        delivery: {
          timestamp,
          processingTimeMillis: 1000,
          recipients: [input.recipient],
          smtpResponse: "250 2.6.0 Message received",
          reportingMTA: "mta.example.com",
        },
      };
    case "Bounce":
      return {
        ...head,
        mail,
        bounce: {
          bounceType: "Permanent",
          bounceSubType: "General",
          bouncedRecipients: [
            { emailAddress: input.recipient, action: "failed", status: "5.1.1", diagnosticCode: "smtp; 550 5.1.1 user unknown" },
          ],
          timestamp,
          feedbackId,
          reportingMTA: "dsn; mta.example.com",
        },
      };
    case "TransientBounce":
      return {
        ...head,
        mail,
        bounce: {
          bounceType: "Transient",
          bounceSubType: "MailboxFull",
          bouncedRecipients: [
            { emailAddress: input.recipient, action: "failed", status: "4.2.2", diagnosticCode: "smtp; 452 4.2.2 mailbox full" },
          ],
          timestamp,
          feedbackId,
        },
      };
    case "Complaint":
      return {
        ...head,
        mail,
        complaint: {
          complainedRecipients: [{ emailAddress: input.recipient }],
          timestamp,
          feedbackId,
          userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
          complaintFeedbackType: "abuse",
          arrivalDate: timestamp,
        },
      };
    case "Reject":
      return { ...head, mail, reject: { reason: "Bad content" } };
    case "DeliveryDelay":
      return {
        ...head,
        mail,
        deliveryDelay: {
          timestamp,
          delayType: "TransientCommunicationFailure",
          expirationTime: new Date(at.getTime() + 14 * 3600 * 1000).toISOString(),
          delayedRecipients: [
            { emailAddress: input.recipient, status: "4.4.1", diagnosticCode: "smtp; 421 4.4.1 Unable to connect to remote host" },
          ],
        },
      };
    case "Open":
      return {
        ...head,
        mail,
        open: { timestamp, ipAddress: "192.0.2.1", userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)" },
      };
    case "Click":
      return {
        ...head,
        mail,
        click: {
          timestamp,
          ipAddress: "192.0.2.1",
          link: "https://example.com/welcome",
          userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)",
        },
      };
  }
}
