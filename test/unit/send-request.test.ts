import { describe, expect, it } from "vitest";
import { parseSendRequest } from "../../shared/accept/http-request.ts";
import { AppError } from "../../shared/domain/errors.ts";

const limits = { recipientsPerRequest: 1000, messageBytes: 10 * 1024 * 1024, attachmentsPerMessage: 50 };
const valid = () => ({
  Recipients: [{ Address: "ivan@example.org", MergeFields: { Name: "Ivan" } }],
  Sender: { Address: "shop@example.com", Name: "Shop" },
  Subject: "Hello",
  Body: { Html: "<p>[Name]</p>" },
});

function failure(input: unknown): AppError {
  try {
    parseSendRequest(input, limits);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a validation error");
}

describe("POST /email/messages validation", () => {
  it("turns a valid request into a submission", () => {
    const { submission, failures } = parseSendRequest(valid(), limits);
    expect(failures).toEqual([]);
    expect(submission.recipients).toEqual([
      { index: 0, address: "ivan@example.org", name: undefined, mergeFields: { Name: "Ivan" }, extraData: {} },
    ]);
    expect(submission.from).toEqual({ address: "shop@example.com", name: "Shop" });
    expect(submission.checkSuppression).toBe(false);
  });

  it("names each missing request field in ref", () => {
    const error = failure({ Recipients: [{ Address: "a@example.org" }] });
    expect(error.code).toBe("validation_error");
    expect(error.reasons).toEqual(
      expect.arrayContaining([
        { key: "required", ref: "Sender" },
        { key: "required", ref: "Subject" },
        { key: "required", ref: "Body" },
      ]),
    );
  });

  it("requires Html or PlainText in Body", () => {
    expect(failure({ ...valid(), Body: {} }).reasons).toEqual([{ key: "body_required", ref: "Body" }]);
  });

  it("refuses a request with no recipients and one with more than the limit", () => {
    expect(failure({ ...valid(), Recipients: [] }).reasons).toEqual([{ key: "too_few_items", ref: "Recipients" }]);
    const many = Array.from({ length: 1001 }, (_, i) => ({ Address: `r${i}@example.org` }));
    expect(failure({ ...valid(), Recipients: many }).reasons).toEqual([{ key: "too_many_items", ref: "Recipients" }]);
  });

  it("accepts exactly 1,000 recipients", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ Address: `r${i}@example.org` }));
    expect(parseSendRequest({ ...valid(), Recipients: many }, limits).submission.recipients).toHaveLength(1000);
  });

  it("fails only the recipient with a bad address, naming its index", () => {
    const { submission, failures } = parseSendRequest(
      { ...valid(), Recipients: [{ Address: "ok@example.org" }, { Address: "not-an-address" }, { Name: "no address" }] },
      limits,
    );
    expect(submission.recipients.map((r) => r.index)).toEqual([0]);
    expect(failures).toEqual([
      { index: 1, address: "not-an-address", reasons: [{ key: "invalid_address", ref: "Recipients[1].Address" }] },
      { index: 2, address: "", reasons: [{ key: "required", ref: "Recipients[2].Address" }] },
    ]);
  });

  it("refuses wrong types with the field's path", () => {
    const error = failure({ ...valid(), Subject: 42, CheckUnsubscription: "yes" });
    expect(error.reasons).toEqual(
      expect.arrayContaining([
        { key: "invalid_type", ref: "Subject" },
        { key: "invalid_type", ref: "CheckUnsubscription" },
      ]),
    );
  });

  it("refuses a sender that is not an address", () => {
    expect(failure({ ...valid(), Sender: { Address: "shop" } }).reasons).toEqual([{ key: "invalid_address", ref: "Sender.Address" }]);
  });

  it("refuses a sender name with control characters or < > @ , as the SMTP door does", () => {
    for (const name of [
      "Shop\r\nBcc: victim@example.org",
      "Shop\u0000",
      "Shop\u0085",
      "bank.com <evil@example.com>",
      "support@bank.com",
      "Doe, John",
    ]) {
      const error = failure({ ...valid(), Sender: { Address: "shop@example.com", Name: name } });
      expect(error.reasons, JSON.stringify(name)).toEqual([{ key: "invalid_name", ref: "Sender.Name" }]);
      expect(error.message).toBe("Sender.Name must not contain control characters or any of < > @ ,");
    }
    expect(
      parseSendRequest({ ...valid(), Sender: { Address: "shop@example.com", Name: "Магазин «Ромашка» & Co. (Shop)" } }, limits).submission
        .from.name,
    ).toBe("Магазин «Ромашка» & Co. (Shop)");
  });

  it("fails only the recipient whose name has control characters or < > @ ,", () => {
    const { submission, failures } = parseSendRequest(
      {
        ...valid(),
        Recipients: [
          { Address: "ok@example.org", Name: "Ivan Petrov" },
          { Address: "a@example.org", Name: "Ivan\nPetrov" },
          { Address: "b@example.org", Name: "x <y@z>" },
        ],
      },
      limits,
    );
    expect(submission.recipients.map((r) => [r.index, r.name])).toEqual([[0, "Ivan Petrov"]]);
    expect(failures).toEqual([
      { index: 1, address: "a@example.org", reasons: [{ key: "invalid_name", ref: "Recipients[1].Name" }] },
      { index: 2, address: "b@example.org", reasons: [{ key: "invalid_name", ref: "Recipients[2].Name" }] },
    ]);
  });

  it("reads CheckUnsubscription also in the reference's Cyrillic spelling", () => {
    const body = { ...valid(), "\u0421heckUnsubscription": true };
    expect(parseSendRequest(body, limits).submission.checkSuppression).toBe(true);
  });

  it("keeps merge fields and extra data as strings, numbers included", () => {
    const body = { ...valid(), Recipients: [{ Address: "a@example.org", MergeFields: { Count: 3, Vip: true }, ExtraData: { order: 17 } }] };
    const [recipient] = parseSendRequest(body, limits).submission.recipients;
    expect(recipient.mergeFields).toEqual({ Count: "3", Vip: "true" });
    expect(recipient.extraData).toEqual({ order: "17" });
  });

  it("refuses a callbackUrl that is not http(s)", () => {
    const body = { ...valid(), Recipients: [{ Address: "a@example.org", ExtraData: { callbackUrl: "ftp://x" } }] };
    expect(parseSendRequest(body, limits).failures[0].reasons).toEqual([
      { key: "invalid_url", ref: "Recipients[0].ExtraData.callbackUrl" },
    ]);
  });

  it("refuses a message over the size limit", () => {
    const body = { ...valid(), Body: { PlainText: "x".repeat(2000) } };
    expect(() => parseSendRequest(body, { ...limits, messageBytes: 1000 })).toThrow("Message exceeds the size limit of 1000 bytes");
  });

  it("refuses an attachment id named twice, naming the repeat", () => {
    const error = failure({ ...valid(), AttachmentsIds: ["0mwt-file-a-0000", "0mwt-file-b-0000", "0mwt-file-a-0000", "0mwt-file-a-0000"] });
    expect(error.message).toBe("AttachmentsIds[2] names a file already attached");
    expect(error.reasons).toEqual([
      { key: "duplicate", ref: "AttachmentsIds[2]" },
      { key: "duplicate", ref: "AttachmentsIds[3]" },
    ]);
  });

  it("refuses more attachments than the limit, and takes exactly the limit", () => {
    const ids = (count: number) => Array.from({ length: count }, (_, i) => `0mwt-file-${String(i).padStart(4, "0")}`);
    expect(failure({ ...valid(), AttachmentsIds: ids(51) }).reasons).toEqual([{ key: "too_many_items", ref: "AttachmentsIds" }]);
    expect(parseSendRequest({ ...valid(), AttachmentsIds: ids(50) }, limits).attachmentIds).toHaveLength(50);
    expect(() => parseSendRequest({ ...valid(), AttachmentsIds: ids(3) }, { ...limits, attachmentsPerMessage: 2 })).toThrow(
      "AttachmentsIds has too many items",
    );
  });

  it("refuses a body that is not an object", () => {
    expect(failure([1, 2]).reasons).toEqual([{ key: "invalid_type" }]);
  });
});
