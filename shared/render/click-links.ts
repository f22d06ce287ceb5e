// Click tracking: each http(s) link of an HTML part becomes `/t/c/<token>`. The token signs the
// message id together with the original URL, so the redirect
//  - needs no lookup to know where to go (one HMAC, then the answer),
//  - keeps working after the message's record has expired (a link in an old mail still leads on),
//  - can only lead to a URL that was in the message: no open redirect, and nothing to edit.
import { decodeHtmlAttribute, escapeHtml } from "../lib/html.ts";
import { LINK_PATHS, signToken, verifyToken } from "../domain/link-tokens.ts";

export interface ClickTarget {
  messageId: string;
  url: string;
}

/** Only absolute web links are redirected: mailto:, tel:, anchors and the like are left alone. */
export function isTrackableUrl(url: string): boolean {
  if (!/^https?:\/\/[^\s/?#]/i.test(url)) return false;
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

export function clickUrl(publicUrl: string, secret: string, messageId: string, url: string): string {
  const payload = `${messageId}.${Buffer.from(url, "utf8").toString("base64url")}`;
  return `${publicUrl}${LINK_PATHS.click}${signToken(secret, "click", payload)}`;
}

/** The message and the original URL, when the token is genuine; undefined for anything else. */
export function readClickToken(secret: string, token: string): ClickTarget | undefined {
  const payload = verifyToken(secret, "click", token);
  if (!payload) return undefined;
  const dot = payload.indexOf(".");
  if (dot <= 0) return undefined;
  const url = Buffer.from(payload.slice(dot + 1), "base64url").toString("utf8");
  return isTrackableUrl(url) ? { messageId: payload.slice(0, dot), url } : undefined;
}

// An <a> or <area> start tag, and the href inside one (quoted either way, or bare).
const LINK_TAG = /<(?:a|area)\b[^>]*>/gi;
const HREF = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i;

/**
 * Replaces the href of every link whose URL `rewrite` maps to a new one. URLs are decoded as a
 * browser reads them (`&amp;` is `&`) before `rewrite` sees them, and encoded again after.
 */
export function rewriteLinks(html: string, rewrite: (url: string) => string | undefined): string {
  return html.replace(LINK_TAG, (tag) =>
    tag.replace(HREF, (attribute, prefix: string, double?: string, single?: string, bare?: string) => {
      const url = decodeHtmlAttribute((double ?? single ?? bare ?? "").trim());
      const replacement = isTrackableUrl(url) ? rewrite(url) : undefined;
      return replacement === undefined ? attribute : `${prefix}"${escapeHtml(replacement)}"`;
    }),
  );
}
