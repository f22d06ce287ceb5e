// The suppression list (docs/suppressions.md) and the unsubscribe ticket that keeps a message's
// unsubscribe link working after the message itself is gone (docs/links.md).
import type { Message } from "./message.ts";

export const SUPPRESSION_CAUSES = ["unsubscribed", "hard_bounce", "complaint", "manual"] as const;

export type SuppressionCause = (typeof SUPPRESSION_CAUSES)[number];

export interface Suppression {
  address: string;
  cause: SuppressionCause;
  createdAt: number;
  causeMessageId?: string;
  reason?: string;
}

export interface SuppressionPage {
  entries: Suppression[];
  /** Sort key of the last list item read: pass it as `after` for the next page. */
  next?: string;
}

export interface UnsubscribeTicket {
  messageId: string;
  accountId: string;
  address: string;
  /** Who sent the message, as the unsubscribe page names them. */
  sender: string;
  language: string;
}

const senderOf = (message: Pick<Message, "from">) => message.from.name?.trim() || message.from.address;

/** What the unsubscribe link needs once the message is gone; written when the message is accepted. */
export function unsubscribeTicket(message: Pick<Message, "messageId" | "accountId" | "to" | "from" | "options">): UnsubscribeTicket {
  return {
    messageId: message.messageId,
    accountId: message.accountId,
    address: message.to.address,
    sender: senderOf(message),
    language: message.options.language,
  };
}
