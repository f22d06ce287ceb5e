// SES sending events as they reach the SES-events queue: through SNS, so an SQS record body is
// either the SNS envelope (a subscription without raw delivery) or the SES JSON itself (raw
// delivery). Event publishing names the kind `eventType`; identity feedback notifications name
// it `notificationType`. Field names follow the SES documentation ("Contents of event data that
// Amazon SES publishes to Amazon SNS").

export interface SesMail {
  timestamp: string;
  messageId: string;
  source?: string;
  destination?: string[];
  headers?: { name: string; value: string }[];
  /** Event publishing only: the message's tags, each a list of values. */
  tags?: Record<string, string[]>;
}

interface Recipient {
  emailAddress: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

export interface SesNotification {
  eventType?: string;
  notificationType?: string;
  mail: SesMail;
  send?: Record<string, unknown>;
  delivery?: { timestamp: string; recipients?: string[]; smtpResponse?: string; processingTimeMillis?: number; reportingMTA?: string };
  bounce?: {
    bounceType: "Permanent" | "Transient" | "Undetermined";
    bounceSubType?: string;
    bouncedRecipients?: Recipient[];
    timestamp: string;
    feedbackId?: string;
    reportingMTA?: string;
  };
  complaint?: {
    complainedRecipients?: Recipient[];
    timestamp: string;
    feedbackId?: string;
    userAgent?: string;
    complaintFeedbackType?: string;
    complaintSubType?: string | null;
    arrivalDate?: string;
  };
  reject?: { reason?: string };
  deliveryDelay?: { timestamp: string; delayType?: string; delayedRecipients?: Recipient[]; expirationTime?: string };
  open?: { timestamp: string; ipAddress?: string; userAgent?: string };
  click?: { timestamp: string; link?: string; ipAddress?: string; userAgent?: string };
}

/** The tag the SES transport puts on every message, and the header the composer adds. */
export const MESSAGE_ID_TAG = "posthaste_message_id";
export const MESSAGE_ID_HEADER = "x-posthaste-message-id";

/**
 * The SES notification in an SQS record body, or undefined for SNS housekeeping (subscription
 * confirmations, the SES setup test message). Throws on a body that is not JSON.
 */
export function parseSesRecordBody(body: string): SesNotification | undefined {
  let parsed = JSON.parse(body) as Record<string, unknown>;
  if (typeof parsed.Type === "string") {
    if (parsed.Type !== "Notification" || typeof parsed.Message !== "string") return undefined;
    parsed = JSON.parse(parsed.Message) as Record<string, unknown>;
  }
  const kind = parsed.eventType ?? parsed.notificationType;
  if (typeof kind !== "string" || typeof parsed.mail !== "object" || parsed.mail === null) return undefined;
  return parsed as unknown as SesNotification;
}

export const kindOf = (notification: SesNotification) => notification.eventType ?? notification.notificationType ?? "";

/** Our message id: the tag when SES published it (event publishing), else the header. */
export function posthasteMessageId(mail: SesMail): string | undefined {
  const tagged = mail.tags?.[MESSAGE_ID_TAG]?.[0];
  if (tagged) return tagged;
  return mail.headers?.find((h) => h.name.toLowerCase() === MESSAGE_ID_HEADER)?.value.trim() || undefined;
}
