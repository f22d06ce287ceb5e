// A stored message as the worker sees it, for unit tests of rendering and composing.
import type { Message } from "../../shared/domain/message.ts";

export function sampleMessage(overrides: Partial<Message> = {}): Message {
  return {
    messageId: "0mwt8abcdefghijklmnop",
    accountId: "acct",
    submissionId: "sub",
    bodyKey: "bodies/acct/sub.json",
    from: { address: "shop@example.com" },
    to: { address: "ivan@example.org" },
    subject: "Hi",
    mergeFields: {},
    extraData: {},
    options: { trackOpens: false, trackLinks: false, language: "en", skipUnsubscribe: false },
    status: "ACCEPTED",
    statusRank: 0,
    history: [],
    version: 1,
    createdAt: 0,
    expiresAt: 0,
    attempts: 1,
    ...overrides,
  };
}
