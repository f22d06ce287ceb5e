// The fields POST /email/messages gained to match the SMTP door and the Devino type table: none
// is ignored. Unknown fields are refused by path, the documented alias keeps working.
import { describe, expect, it } from "vitest";
import { checkHeaders, parseSendRequest } from "../../shared/accept/http-request.ts";
import { AppError } from "../../shared/domain/errors.ts";
import { parseSendAt, sendAtProblem } from "../../shared/domain/schedule.ts";

const limits = { recipientsPerRequest: 1000, messageBytes: 10 * 1024 * 1024, attachmentsPerMessage: 50 };
const valid = (extra: Record<string, unknown> = {}) => ({
  Recipients: [{ Address: "ivan@example.org" }],
  Sender: { Address: "shop@example.com" },
  Subject: "Hello",
  Body: { PlainText: "Hi" },
  ...extra,
});

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a validation error");
}
const refused = (input: unknown) => failure(() => parseSendRequest(input, limits));

describe("unknown fields", () => {
  it("are refused with unknown_field and their path, at every level", () => {
    expect(refused(valid({ TemplateID: "x" })).reasons).toEqual([{ key: "unknown_field", ref: "TemplateID" }]);
    expect(refused(valid({ Sender: { Address: "shop@example.com", Nmae: "x" } })).reasons).toEqual([
      { key: "unknown_field", ref: "Sender.Nmae" },
    ]);
    expect(refused(valid({ Body: { PlainText: "Hi", Amp: "x" } })).reasons).toEqual([{ key: "unknown_field", ref: "Body.Amp" }]);
    const { failures } = parseSendRequest(valid({ Recipients: [{ Address: "a@example.org", Substitutions: {} }] }), limits);
    expect(failures[0].reasons).toEqual([{ key: "unknown_field", ref: "Recipients[0].Substitutions" }]);
  });

  it("leave the Cyrillic СheckUnsubscription alias working", () => {
    const { submission } = parseSendRequest(valid({ "\u0421heckUnsubscription": true }), limits);
    expect(submission.checkSuppression).toBe(true);
  });
});

describe("Tags and Metadata", () => {
  it("takes up to 4 unique tags of at most 50 characters without control characters", () => {
    expect(parseSendRequest(valid({ Tags: ["a", "b", "c", "d"] }), limits).submission.tags).toEqual(["a", "b", "c", "d"]);
    expect(refused(valid({ Tags: ["a", "b", "c", "d", "e"] })).reasons).toEqual([{ key: "too_many_items", ref: "Tags" }]);
    expect(refused(valid({ Tags: ["x".repeat(51)] })).reasons).toEqual([{ key: "invalid_tag", ref: "Tags[0]" }]);
    expect(refused(valid({ Tags: ["ok", "line\nbreak"] })).reasons).toEqual([{ key: "invalid_tag", ref: "Tags[1]" }]);
    expect(refused(valid({ Tags: ["a", "a"] })).reasons).toEqual([{ key: "duplicate", ref: "Tags" }]);
  });

  it("takes Metadata as an object, or as JSON text as the Devino type table gives it", () => {
    expect(parseSendRequest(valid({ Metadata: { campaign: "x", n: 1 } }), limits).submission.metadata).toEqual({ campaign: "x", n: "1" });
    expect(parseSendRequest(valid({ Metadata: '"campaign": "x"' }), limits).submission.metadata).toEqual({ campaign: "x" });
    expect(refused(valid({ Metadata: "not json" })).reasons[0]).toMatchObject({ ref: "Metadata" });
  });
});

describe("the Devino type table's variants", () => {
  it("reads MergeFields and ExtraData given as JSON strings, and integer AttachmentsIds", () => {
    const parsed = parseSendRequest(
      valid({
        Recipients: [{ Address: "a@example.org", MergeFields: '{"Name": "Anna"}', ExtraData: '"order": "7"' }],
        AttachmentsIds: [12, "abc"],
      }),
      limits,
    );
    expect(parsed.submission.recipients[0]).toMatchObject({ mergeFields: { Name: "Anna" }, extraData: { order: "7" } });
    expect(parsed.attachmentIds).toEqual(["12", "abc"]);
  });
});

describe("ReplyTo and Headers", () => {
  it("takes a ReplyTo address and refuses one that is not", () => {
    expect(parseSendRequest(valid({ ReplyTo: "Help@Example.com" }), limits).submission.replyTo).toBe("Help@example.com");
    expect(refused(valid({ ReplyTo: "nope" })).reasons).toEqual([{ key: "invalid_address", ref: "ReplyTo" }]);
  });

  it("keeps X- headers and refuses by name what the SMTP door would remove", () => {
    expect(() => checkHeaders({ "X-Campaign": "spring" }, false)).not.toThrow();
    expect(failure(() => checkHeaders({ Subject: "x" }, false)).reasons).toEqual([{ key: "header_not_allowed", ref: "Headers.Subject" }]);
    expect(failure(() => checkHeaders({ "List-Unsubscribe": "<mailto:x@y>" }, false)).reasons[0].key).toBe("header_not_allowed");
    expect(() => checkHeaders({ "List-Unsubscribe": "<mailto:x@y>" }, true)).not.toThrow();
    expect(failure(() => checkHeaders({ "X-Evil": "a\r\nBcc: victim@example.org" }, false)).reasons).toEqual([
      { key: "invalid_header", ref: "Headers.X-Evil" },
    ]);
  });
});

describe("SendAt", () => {
  const now = Date.parse("2026-03-01T10:00:00Z");

  it("reads ISO 8601 with an offset, and nothing else", () => {
    expect(parseSendAt("2026-03-01T13:00:00+03:00")).toBe(now);
    expect(parseSendAt("2026-03-01T10:00Z")).toBe(now);
    for (const text of ["2026-03-01T10:00:00", "tomorrow", "2026-02-30T10:00:00Z", "1772359200000", "2026-03-01 10:00:00Z"]) {
      expect(parseSendAt(text), text).toBeUndefined();
    }
    expect(refused(valid({ SendAt: "2026-03-01T10:00:00" })).reasons).toEqual([{ key: "invalid_date", ref: "SendAt" }]);
  });

  it("must be now or later, and at most 30 days ahead", () => {
    expect(sendAtProblem(now - 1000, now)).toMatch(/^is in the past/);
    expect(sendAtProblem(now + 30 * 86_400_000, now)).toBeUndefined();
    expect(sendAtProblem(now + 30 * 86_400_000 + 1, now)).toBe("is more than 30 days ahead");
  });
});
