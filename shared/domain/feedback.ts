// What a mail provider reports about a message after it took it (delivered, bounced, complained,
// opened ...), in one shape whatever the provider: a second provider's bounces need a parser
// that produces this, and nothing else (shared/feedback/).
import type { StatusChange } from "./status.ts";

export interface FeedbackEvent {
  /** Who reported it ("ses"), and the provider's own name of the event, for logs. */
  provider: string;
  kind: string;
  /** Posthaste's message id, when the provider carried it back. */
  messageId?: string;
  /** The provider's own id of the mail, for logs. */
  providerMessageId?: string;
  /** Absent when the event changes no status (a transient bounce, a delay). */
  change?: StatusChange;
  /** A permanent bounce: the address is suppressed. */
  hardBounce?: boolean;
  /** Why nothing is recorded, or what to log with it. */
  note?: string;
}
