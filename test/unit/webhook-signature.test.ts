// Signatures a receiver can check: HMAC-SHA256 of "<timestamp>.<body>", fresh timestamps only.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signatureHeaders, verifySignature } from "../../shared/webhooks/signature.ts";

const body = JSON.stringify([{ channel: "EMAIL", messageId: "m1", status: "SENT" }]);

describe("webhook signatures", () => {
  it("is the hex HMAC-SHA256 of the timestamp, a dot and the body", () => {
    const headers = signatureHeaders(["whsec_test"], body, 1_700_000_000_000);
    const expected = createHmac("sha256", "whsec_test").update(`1700000000.${body}`).digest("hex");
    expect(headers[TIMESTAMP_HEADER]).toBe("1700000000");
    expect(headers[SIGNATURE_HEADER]).toBe(`v1=${expected}`);
  });

  it("verifies with the right secret and refuses another secret, a changed body or an old timestamp", () => {
    const now = 1_700_000_000_000;
    const headers = signatureHeaders(["whsec_right"], body, now);
    const given = { signature: headers[SIGNATURE_HEADER], timestamp: headers[TIMESTAMP_HEADER] };
    expect(verifySignature("whsec_right", given, body, { now })).toBe(true);
    expect(verifySignature("whsec_wrong", given, body, { now })).toBe(false);
    expect(verifySignature("whsec_right", given, body.replace("SENT", "DELIVERED"), { now })).toBe(false);
    expect(verifySignature("whsec_right", given, body, { now: now + 10 * 60_000 })).toBe(false);
  });

  it("carries a signature for each secret while a rotated one is still valid", () => {
    const now = Date.now();
    const headers = signatureHeaders(["whsec_new", "whsec_old"], body, now);
    const given = { signature: headers[SIGNATURE_HEADER], timestamp: headers[TIMESTAMP_HEADER] };
    expect(headers[SIGNATURE_HEADER].split(",")).toHaveLength(2);
    expect(verifySignature("whsec_new", given, body, { now })).toBe(true);
    expect(verifySignature("whsec_old", given, body, { now })).toBe(true);
  });
});
