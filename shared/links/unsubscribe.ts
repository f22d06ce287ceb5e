// Leaving and coming back: the service behind /u/<token>. The token names one message; the
// message (or, after its retention, the ticket sealed in the token or stored) names the account
// and the address.
// While the message is kept, changes go through the status service (history, webhooks, and the
// suppression that follows UNSUBSCRIBED / SUBSCRIBED); after that the suppression list directly.
import { openUnsubscribeToken } from "../domain/link-tokens.ts";
import type { StatusService } from "../status/index.ts";
import type { MessageStore } from "../store/messages.ts";
import type { SuppressionStore } from "../store/suppressions.ts";
import type { Message } from "../domain/message.ts";
import { type UnsubscribeTicket, unsubscribeTicket } from "../domain/suppression.ts";

export interface UnsubscribeDeps {
  config: { linkSecret: string };
  messages: Pick<MessageStore, "getMessage">;
  suppressions: Pick<SuppressionStore, "add" | "get" | "remove" | "recipientOf">;
  status: Pick<StatusService, "record">;
}

export interface Recipient extends UnsubscribeTicket {
  /** Present while the message is retained. */
  message?: Message;
}

/** How the recipient asked: the mail client's one-click POST (RFC 8058) or the page's button. */
export type UnsubscribeVia = "one-click" | "page";

/** Who the token's message went to; undefined for a forged token or a message long gone. */
export async function findRecipient(deps: UnsubscribeDeps, token: string): Promise<Recipient | undefined> {
  const opened = openUnsubscribeToken(deps.config.linkSecret, token);
  if (!opened) return undefined;
  const message = await deps.messages.getMessage(opened.messageId);
  if (message) return { ...unsubscribeTicket(message), message };
  // A sealed token holds its ticket; an older one (or one too long to seal) names a stored ticket.
  return opened.ticket ?? deps.suppressions.recipientOf(opened.messageId);
}

export async function isSuppressed(deps: UnsubscribeDeps, recipient: Recipient): Promise<boolean> {
  return (await deps.suppressions.get(recipient.accountId, recipient.address)) !== undefined;
}

export async function unsubscribe(deps: UnsubscribeDeps, recipient: Recipient, via: UnsubscribeVia, now = Date.now()) {
  const reason = via === "one-click" ? "List-Unsubscribe one-click" : "unsubscribe page";
  const recorded =
    recipient.message &&
    (await deps.status.record(recipient.messageId, { status: "UNSUBSCRIBED", ts: now, reason }, { known: recipient.message }));
  // A repeat is not recorded again, but the address may have been lifted meanwhile (DELETE /suppressions).
  if (!recorded && !(await isSuppressed(deps, recipient))) {
    await deps.suppressions.add(
      recipient.accountId,
      { address: recipient.address, cause: "unsubscribed", causeMessageId: recipient.messageId, reason },
      now,
    );
  }
}

export async function resubscribe(deps: UnsubscribeDeps, recipient: Recipient, now = Date.now()) {
  const recorded =
    recipient.message &&
    (await deps.status.record(
      recipient.messageId,
      { status: "SUBSCRIBED", ts: now, reason: "unsubscribe page" },
      { known: recipient.message },
    ));
  if (!recorded) await deps.suppressions.remove(recipient.accountId, recipient.address);
}

export type PostedAction = "one-click" | "unsubscribe" | "resubscribe";

/**
 * What a POST to the unsubscribe URL asks for: RFC 8058's `List-Unsubscribe=One-Click` (form
 * encoded, or multipart as the RFC also allows), or the page's own `action` field.
 */
export function postedAction(contentType: string | undefined, body: Buffer): PostedAction | undefined {
  const text = body.toString("utf8");
  const fields = /multipart\/form-data/i.test(contentType ?? "") ? multipartFields(text) : new URLSearchParams(text);
  if (fields.get("List-Unsubscribe")?.trim() === "One-Click") return "one-click";
  const action = fields.get("action")?.trim();
  return action === "unsubscribe" || action === "resubscribe" ? action : undefined;
}

function multipartFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of text.matchAll(/name="([^"]+)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)/g)) fields.set(match[1], match[2]);
  return fields;
}
