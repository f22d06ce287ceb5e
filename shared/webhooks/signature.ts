// Webhook signatures: HMAC-SHA256 of `<timestamp>.<body>` with the endpoint's secret, sent as
//   X-Posthaste-Timestamp: <unix seconds>
//   X-Posthaste-Signature: v1=<hex>[,v1=<hex>]
// The timestamp is signed so a captured request cannot be replayed later. Right after a secret
// is rotated the old secret signs too (a second v1=), so receivers can switch without a gap.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Posthaste-Signature";
export const TIMESTAMP_HEADER = "X-Posthaste-Timestamp";

export const computeSignature = (secret: string, timestamp: number, body: string) =>
  createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");

export function signatureHeaders(secrets: string[], body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: secrets.map((secret) => `v1=${computeSignature(secret, timestamp, body)}`).join(","),
  };
}

/** What a receiver does (docs/webhooks.md shows the same in a few lines): any v1 matching, timestamp fresh. */
export function verifySignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || !headers.signature) return false;
  const age = Math.abs((options.now ?? Date.now()) / 1000 - timestamp);
  if (age > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(computeSignature(secret, timestamp, body));
  return headers.signature
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.startsWith("v1="))
    .some((part) => {
      const given = Buffer.from(part.slice(3));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
