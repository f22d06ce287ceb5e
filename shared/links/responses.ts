// Answers of the public routes (pages, pixel, redirect). These URLs are opened by anyone who
// holds a mail, so they say nothing beyond what the token names, are never cached, never
// indexed, and never leak their own URL (the token) to another site as a Referer.
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** The smallest transparent GIF (43 bytes). */
export const PIXEL_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const PRIVATE = {
  "cache-control": "no-store, private",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
  "x-content-type-options": "nosniff",
};

/** Posthaste's own pages: no scripts at all, styles inline, forms only back to this origin. */
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The sender's HTML, shown as a web page: sandboxed into an origin of its own with no scripts
 * or forms, so a message cannot act on Posthaste's origin; links and images still work.
 */
const MESSAGE_POLICY =
  "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const pageResponse = (statusCode: number, html: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { ...PRIVATE, "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_POLICY },
  body: html,
});

export const messagePageResponse = (html: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { ...PRIVATE, "content-type": "text/html; charset=utf-8", "content-security-policy": MESSAGE_POLICY },
  body: html,
});

export const textResponse = (statusCode: number, text: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { ...PRIVATE, "content-type": "text/plain; charset=utf-8" },
  body: text,
});

export const pixelResponse = (): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { ...PRIVATE, "content-type": "image/gif", "content-length": String(PIXEL_GIF.length) },
  body: PIXEL_GIF.toString("base64"),
  isBase64Encoded: true,
});

/** `location` as a browser would send it: spaces and non-ASCII percent-encoded, the host in punycode. */
export const redirectResponse = (location: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 302,
  headers: { ...PRIVATE, location: new URL(location).href },
  body: "",
});

export const notFound = (): APIGatewayProxyStructuredResultV2 => textResponse(404, "Not found");
