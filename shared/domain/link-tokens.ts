// Signed tokens for the public links in a message (unsubscribe, web version, tracking).
// A token is `<payload>.<signature>`: the payload names the message (and, for clicks, the link
// number); the HMAC makes it impossible to forge one or to walk to another message's.
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
import type { UnsubscribeTicket } from "./suppression.ts";

export type LinkPurpose = "unsubscribe" | "web" | "open" | "click";
/** What else is signed the same way: the logs' paging cursor, bound to its account. */
export type TokenPurpose = LinkPurpose | "log-cursor";

const SIGNATURE_BYTES = 16;

function signature(secret: string, purpose: TokenPurpose, payload: string): Buffer {
  return createHmac("sha256", secret).update(`${purpose}:${payload}`).digest().subarray(0, SIGNATURE_BYTES);
}

export function signToken(secret: string, purpose: TokenPurpose, payload: string): string {
  return `${payload}.${signature(secret, purpose, payload).toString("base64url")}`;
}

/** The payload when the token is genuine for this purpose, otherwise undefined. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string): string | undefined {
  const dot = token.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  // Compare the encoded text, not decoded bytes: base64url's spare bits in the last character
  // would otherwise let several spellings of one signature pass.
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(signature(secret, purpose, payload).toString("base64url"));
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : undefined;
}

/** Public paths; the routes behind them are in functions/manifest.ts. */
export const LINK_PATHS: Record<LinkPurpose, string> = {
  unsubscribe: "/u/",
  web: "/w/",
  open: "/t/o/",
  click: "/t/c/",
};

/**
 * The public links of a message. With its ticket, the unsubscribe link carries the ticket sealed
 * inside (below); `unsubscribeMailToken` is always the short signed token, which fits the local
 * part of the List-Unsubscribe mailto address (at most 64 characters).
 */
export function messageLinks(publicUrl: string, secret: string, messageId: string, ticket?: UnsubscribeTicket) {
  // Click links sign the original URL too: shared/render/click-links.ts builds them.
  const url = (purpose: LinkPurpose) => `${publicUrl}${LINK_PATHS[purpose]}${signToken(secret, purpose, messageId)}`;
  return {
    unsubscribe: ticket ? `${publicUrl}${LINK_PATHS.unsubscribe}${unsubscribeToken(secret, ticket)}` : url("unsubscribe"),
    unsubscribeMailToken: signToken(secret, "unsubscribe", messageId),
    webVersion: url("web"),
    openPixel: url("open"),
  };
}

// The unsubscribe link's token carries its ticket (account, address, sender, language) sealed
// inside it, so the link keeps working after the message has expired without a ticket item
// written for every message at accept (docs/links.md, "How long links work").
//
// `<messageId>.<sealed>`: the ticket as JSON, encrypted with AES-256-GCM under a key derived
// from the link secret, the message id bound in as associated data. The nonce is derived from
// the message id and the ticket (synthetic IV), so the same message renders the same token every
// time (the web version shows the links the recipient got) and two different tickets never
// share a nonce. Tokens made before tickets were sealed are `<messageId>.<signature>`
// (signToken): they still work, through the message or its stored ticket.

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/**
 * Tickets longer than this (a 256-character sender name, a very long address) are not sealed:
 * the URL would pass a few hundred characters in the List-Unsubscribe header. Such a message
 * gets the short signed token and a stored ticket, as before.
 */
export const MAX_SEALED_TICKET_BYTES = 200;

const sealingKey = (secret: string) => createHmac("sha256", secret).update("unsubscribe-ticket-seal").digest();

const plaintextOf = (ticket: UnsubscribeTicket) =>
  Buffer.from(JSON.stringify([ticket.accountId, ticket.address, ticket.sender, ticket.language]));

/** Whether the ticket fits in the token; when it does not, a ticket item must be stored at accept. */
export const canSealTicket = (ticket: UnsubscribeTicket) => plaintextOf(ticket).length <= MAX_SEALED_TICKET_BYTES;

/** The unsubscribe token of a message: its ticket sealed inside when it fits, else the short signed token. */
export function unsubscribeToken(secret: string, ticket: UnsubscribeTicket): string {
  if (!canSealTicket(ticket)) return signToken(secret, "unsubscribe", ticket.messageId);
  const key = sealingKey(secret);
  const plaintext = plaintextOf(ticket);
  const nonce = createHmac("sha256", key).update(ticket.messageId).update("\n").update(plaintext).digest().subarray(0, NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(ticket.messageId));
  const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${ticket.messageId}.${sealed.toString("base64url")}`;
}

/**
 * The message an unsubscribe token names, and the ticket when it carries one; undefined for a
 * forged or damaged token.
 */
export function openUnsubscribeToken(secret: string, token: string): { messageId: string; ticket?: UnsubscribeTicket } | undefined {
  const signed = verifyToken(secret, "unsubscribe", token);
  if (signed) return { messageId: signed };
  const dot = token.indexOf(".");
  if (dot <= 0) return undefined;
  const messageId = token.slice(0, dot);
  const sealed = Buffer.from(token.slice(dot + 1), "base64url");
  // Compare the encoded text: base64url's spare bits would otherwise give one token several spellings.
  if (sealed.length <= NONCE_BYTES + TAG_BYTES || sealed.toString("base64url") !== token.slice(dot + 1)) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", sealingKey(secret), sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(messageId));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    const [accountId, address, sender, language] = JSON.parse(plaintext.toString("utf8")) as string[];
    return { messageId, ticket: { messageId, accountId, address, sender, language } };
  } catch {
    return undefined;
  }
}
