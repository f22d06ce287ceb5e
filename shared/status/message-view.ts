// What GET /email/messages/{id} shows of a message, for its own account only.
import { AppError } from "../domain/errors.ts";

import type { MessageStore } from "../store/messages.ts";
import type { Caller } from "../domain/account.ts";
import type { Message } from "../domain/message.ts";

/** Another tenant's id answers exactly like an unknown one, so ids cannot be probed. */
export async function getOwnMessage(messages: Pick<MessageStore, "getMessage">, caller: Caller, messageId: string): Promise<Message> {
  const message = /^[\w-]{10,64}$/.test(messageId) ? await messages.getMessage(messageId) : undefined;
  if (!message || message.accountId !== caller.accountId || (caller.projectId && message.projectId !== caller.projectId)) {
    throw new AppError("not_found", { message: `Message ${messageId} was not found`, reasons: [{ key: "not_found", ref: "messageId" }] });
  }
  return message;
}

export function messageView(message: Message) {
  return {
    MessageId: message.messageId,
    Status: message.status,
    Address: message.to.address,
    Sender: message.from.address,
    Subject: message.subject,
    CreatedAt: new Date(message.createdAt).toISOString(),
    Attempts: message.attempts,
    Opens: message.opens ?? 0,
    Clicks: message.clicks ?? 0,
    ...(message.tags?.length ? { Tags: message.tags } : {}),
    ...(message.metadata ? { Metadata: message.metadata } : {}),
    ...(Object.keys(message.extraData).length ? { ExtraData: message.extraData } : {}),
    History: message.history.map((h) => ({
      Status: h.status,
      Ts: h.ts,
      Time: new Date(h.ts).toISOString(),
      ...(h.reason ? { Reason: h.reason } : {}),
    })),
  };
}
