// Signed tokens for the public links in a message (unsubscribe, web version, tracking).
// A token is `<payload>.<signature>`: the payload names the message (and, for clicks, the link
// number); the HMAC makes it impossible to forge one or to walk to another message's.
import { createHmac, timingSafeEqual } from "node:crypto";

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

export function messageLinks(publicUrl: string, secret: string, messageId: string) {
  // Click links sign the original URL too: shared/render/click-links.ts builds them.
  const url = (purpose: LinkPurpose) => `${publicUrl}${LINK_PATHS[purpose]}${signToken(secret, purpose, messageId)}`;
  return {
    unsubscribe: url("unsubscribe"),
    webVersion: url("web"),
    openPixel: url("open"),
  };
}
