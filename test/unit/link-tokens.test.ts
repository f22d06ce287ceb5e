import { describe, expect, it } from "vitest";
import {
  MAX_SEALED_TICKET_BYTES,
  messageLinks,
  openUnsubscribeToken,
  signToken,
  unsubscribeToken,
  verifyToken,
} from "../../shared/domain/link-tokens.ts";
import type { UnsubscribeTicket } from "../../shared/domain/suppression.ts";

const SECRET = "unit-secret";

describe("signed link tokens", () => {
  it("verify with the secret and purpose they were made for", () => {
    const token = signToken(SECRET, "unsubscribe", "msg123");
    expect(verifyToken(SECRET, "unsubscribe", token)).toBe("msg123");
  });

  it("refuse an edited payload, an edited signature, another purpose and another secret", () => {
    const token = signToken(SECRET, "unsubscribe", "msg123");
    const [payload, signature] = token.split(".");
    expect(verifyToken(SECRET, "unsubscribe", `msg124.${signature}`)).toBeUndefined();
    const lastChar = signature.at(-1)!;
    for (const other of ["A", "B", "C", "D"].filter((c) => c !== lastChar)) {
      expect(verifyToken(SECRET, "unsubscribe", `${payload}.${signature.slice(0, -1)}${other}`)).toBeUndefined();
    }
    expect(verifyToken(SECRET, "click", token)).toBeUndefined();
    expect(verifyToken("other-secret", "unsubscribe", token)).toBeUndefined();
    expect(verifyToken(SECRET, "unsubscribe", "msg123")).toBeUndefined();
    expect(verifyToken(SECRET, "unsubscribe", "")).toBeUndefined();
  });

  it("build the public URLs of a message under the public base URL", () => {
    const links = messageLinks("https://mail.example.com", SECRET, "msg123");
    expect(links.unsubscribe).toMatch(/^https:\/\/mail\.example\.com\/u\/msg123\.[\w-]{22}$/);
    expect(links.webVersion).toMatch(/^https:\/\/mail\.example\.com\/w\/msg123\.[\w-]{22}$/);
    expect(links.unsubscribe.split(".").pop()).not.toBe(links.webVersion.split(".").pop());
  });
});

describe("unsubscribe tokens with the ticket sealed inside", () => {
  const ticket: UnsubscribeTicket = {
    messageId: "0mwt8s7zqy15RwW3NToPuBaEa0",
    accountId: "acct_123",
    address: "reader@example.org",
    sender: "Example <Shop>",
    language: "de",
  };

  it("open to the message and its whole ticket, the same token every time", () => {
    const token = unsubscribeToken(SECRET, ticket);
    expect(token.startsWith(`${ticket.messageId}.`)).toBe(true);
    expect(token).not.toContain("reader");
    expect(openUnsubscribeToken(SECRET, token)).toEqual({ messageId: ticket.messageId, ticket });
    expect(unsubscribeToken(SECRET, ticket)).toBe(token);
    expect(messageLinks("https://m.example", SECRET, ticket.messageId, ticket).unsubscribe).toBe(`https://m.example/u/${token}`);
  });

  it("refuse an edited ticket, another message's id, another secret and a missing part", () => {
    const token = unsubscribeToken(SECRET, ticket);
    const [messageId, sealed] = token.split(".");
    const flipped = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
    for (const at of [0, 20, sealed.length - 1])
      expect(openUnsubscribeToken(SECRET, `${messageId}.${flipped(sealed, at)}`)).toBeUndefined();
    expect(openUnsubscribeToken(SECRET, `${flipped(messageId, 3)}.${sealed}`)).toBeUndefined();
    expect(openUnsubscribeToken("other-secret", token)).toBeUndefined();
    expect(openUnsubscribeToken(SECRET, sealed)).toBeUndefined();
    expect(openUnsubscribeToken(SECRET, `${messageId}.`)).toBeUndefined();
    expect(openUnsubscribeToken(SECRET, unsubscribeToken(SECRET, ticket).replace(".", ".."))).toBeUndefined();
  });

  it("still open the tokens of links mailed before, which name only the message", () => {
    expect(openUnsubscribeToken(SECRET, signToken(SECRET, "unsubscribe", ticket.messageId))).toEqual({ messageId: ticket.messageId });
    expect(openUnsubscribeToken(SECRET, signToken(SECRET, "web", ticket.messageId))).toBeUndefined();
  });

  it("fall back to the short signed token when the ticket is too long to seal", () => {
    const long = { ...ticket, sender: "S".repeat(MAX_SEALED_TICKET_BYTES) };
    expect(unsubscribeToken(SECRET, long)).toBe(signToken(SECRET, "unsubscribe", ticket.messageId));
  });
});
