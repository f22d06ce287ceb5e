// The Infobip door's pure parts: the multipart reader, the form read into a submission, the
// credentials, the error shape and the status table.
import { describe, expect, it } from "vitest";
import { AppError } from "../../shared/domain/errors.ts";
import { GROUPS, infobipReport, statusesInGroup, STATUS_TABLE } from "../../shared/domain/infobip.ts";
import { STATUSES } from "../../shared/domain/status.ts";
import { type BulkMessage, type BulkPort, getBulk, getBulkStatus, rescheduleBulk, updateBulkStatus } from "../../shared/infobip/bulks.ts";
import { infobipCredentials, infobipErrorResponse } from "../../shared/infobip/door.ts";
import { fieldName, type Form, readForm } from "../../shared/infobip/multipart.ts";
import { infobipLogEntry, infobipReportEntry, parseInfobipLogsQuery, parseInfobipReportsQuery } from "../../shared/infobip/read-side.ts";
import { parseInfobipSend } from "../../shared/infobip/send-request.ts";
import { multipartForm } from "../support/fixtures.ts";

const LIMITS = { recipientsPerRequest: 1000, messageBytes: 10 * 1024 * 1024, attachmentBytes: 100, attachmentsPerMessage: 10 };

const formOf = (fields: Record<string, string[]>, files: Form["files"] = []): Form => ({ fields: new Map(Object.entries(fields)), files });

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    return error as AppError;
  }
  throw new Error("not refused");
}

describe("readForm", () => {
  it("reads repeated fields in order, the SDK's to['0'] names as to, and files with their names", async () => {
    const { contentType, body } = await multipartForm([
      ["to['0']", "a@example.org"],
      ["to['1']", "b@example.org"],
      ["to", "c@example.org"],
      ["attachment", new Blob(["hello"], { type: "text/plain" }), "hi.txt"],
    ]);
    const form = await readForm(contentType, body, { fileBytes: 100, fieldBytes: 1000, parts: 10 });
    expect(form.fields.get("to")).toEqual(["a@example.org", "b@example.org", "c@example.org"]);
    expect(form.files).toMatchObject([{ field: "attachment", filename: "hi.txt", contentType: "text/plain" }]);
    expect(form.files[0].content.toString()).toBe("hello");
  });

  it("takes a file exactly at the limit and refuses one byte more, naming the field", async () => {
    const at = await multipartForm([["attachment", new Blob(["x".repeat(100)]), "a.bin"]]);
    await expect(readForm(at.contentType, at.body, { fileBytes: 100, fieldBytes: 1000, parts: 10 })).resolves.toBeDefined();
    const over = await multipartForm([["attachment", new Blob(["x".repeat(101)]), "a.bin"]]);
    await expect(readForm(over.contentType, over.body, { fileBytes: 100, fieldBytes: 1000, parts: 10 })).rejects.toMatchObject({
      reasons: [{ key: "attachment_too_large", ref: "attachment" }],
    });
  });

  it("refuses a body that is not multipart, and one cut short", async () => {
    await expect(readForm("application/json", Buffer.from("{}"), { fileBytes: 1, fieldBytes: 1, parts: 1 })).rejects.toMatchObject({
      code: "unsupported_media_type",
    });
    const { contentType, body } = await multipartForm([["to", "a@example.org"]]);
    await expect(
      readForm(contentType, body.subarray(0, body.length - 10), { fileBytes: 1, fieldBytes: 100, parts: 5 }),
    ).rejects.toMatchObject({
      reasons: [{ key: "invalid_multipart" }],
    });
  });

  it("names list items as the official SDK's form builder does", () => {
    expect(["to['0']", 'to["12"]', "to[3]", "to"].map(fieldName)).toEqual(["to", "to", "to", "to"]);
  });
});

describe("parseInfobipSend", () => {
  const base = { from: ["Shop <news@example.com>"], to: ["ann@example.org"], subject: ["Hi {{name}}"], text: ["Hello"] };

  it("reads from with its name, recipients with their placeholders over the defaults, cc and bcc as copies of their own", () => {
    const { submission } = parseInfobipSend(
      formOf({
        ...base,
        to: [JSON.stringify({ to: "ann@example.org", placeholders: { name: "Ann" } }), "bob@example.org"],
        cc: ["carol@example.org"],
        bcc: ["dave@example.org"],
        defaultPlaceholders: [JSON.stringify({ name: "friend", shop: "Acme" })],
      }),
      LIMITS,
      { urlMode: "local" },
    );
    expect(submission.from).toEqual({ address: "news@example.com", name: "Shop" });
    expect(submission.recipients.map((r) => [r.index, r.address, r.mergeFields])).toEqual([
      [0, "ann@example.org", { name: "Ann", shop: "Acme" }],
      [1, "bob@example.org", { name: "friend", shop: "Acme" }],
      [2, "carol@example.org", { name: "friend", shop: "Acme" }],
      [3, "dave@example.org", { name: "friend", shop: "Acme" }],
    ]);
    expect(submission.options.templateEngine).toBe("simple");
    expect(submission.checkSuppression).toBe(true);
  });

  it("turns tracking off with track=false, and one kind back on with its own field", () => {
    const { submission } = parseInfobipSend(formOf({ ...base, track: ["false"], trackClicks: ["true"] }), LIMITS, { urlMode: "local" });
    expect(submission.options).toMatchObject({ trackOpens: false, trackLinks: true });
  });

  it("keeps notifyUrl, callbackData and intermediateReport with every copy", () => {
    const { submission } = parseInfobipSend(
      formOf({ ...base, notifyUrl: ["https://hooks.example.org/dlr"], callbackData: ["x"], intermediateReport: ["true"] }),
      LIMITS,
      { urlMode: "aws" },
    );
    expect(submission.recipients[0].extraData).toEqual({
      infobipNotifyUrl: "https://hooks.example.org/dlr",
      infobipCallbackData: "x",
      infobipIntermediateReport: "true",
    });
  });

  it("refuses, naming the field: unknown fields, what is not supported, bad values, a repeated single field", () => {
    const cases: [Record<string, string[]>, string, string][] = [
      [{ ...base, colour: ["red"] }, "colour", "unknown_field"],
      [{ ...base, ampHtml: ["<html></html>"] }, "ampHtml", "not_supported"],
      [{ ...base, preserveRecipients: ["true"] }, "preserveRecipients", "not_supported"],
      [{ ...base, bulkId: ["mine"] }, "bulkId", "not_supported"],
      [{ ...base, notifyContentType: ["application/xml"] }, "notifyContentType", "not_supported"],
      [{ ...base, notifyUrl: ["http://127.0.0.1/x"] }, "notifyUrl", "url_not_allowed"],
      [{ ...base, to: [] }, "to", "required"],
      [{ ...base, from: ["not an address"] }, "from", "invalid_address"],
      [{ ...base, subject: ["a", "b"] }, "subject", "duplicate"],
      [{ ...base, text: [""] }, "text", "body_required"],
      [{ ...base, track: ["maybe"] }, "track", "invalid_type"],
      [{ ...base, headers: [JSON.stringify({ Bcc: "x@example.org" })] }, "headers.Bcc", "invalid_key"],
      [{ ...base, to: [JSON.stringify({ to: "a@example.org", extra: 1 })] }, "to[0].extra", "unknown_field"],
      [{ ...base, cc: Array.from({ length: 11 }, (_, i) => `c${i}@example.org`) }, "cc", "too_many_cc"],
    ];
    for (const [fields, ref, key] of cases) {
      expect(refusal(() => parseInfobipSend(formOf(fields), LIMITS, { urlMode: "aws" })).reasons, ref).toEqual([{ key, ref }]);
    }
  });

  it("refuses an executable attachment and keeps an inline image's file name as its content id", () => {
    const exe = { field: "attachment", filename: "tool.exe", contentType: "application/octet-stream", content: Buffer.from("MZ") };
    expect(refusal(() => parseInfobipSend(formOf(base, [exe]), LIMITS, { urlMode: "local" })).reasons).toEqual([
      { key: "attachment_type_not_allowed", ref: "attachment" },
    ]);
    const logo = { field: "inlineImage", filename: "logo.png", contentType: "image/png", content: Buffer.from("png") };
    expect(parseInfobipSend(formOf(base, [logo]), LIMITS, { urlMode: "local" }).files).toMatchObject([
      { filename: "logo.png", contentId: "logo.png" },
    ]);
  });
});

describe("credentials and errors", () => {
  it("reads App, Basic (id and key), Key and Bearer", () => {
    const basic = `Basic ${Buffer.from("acc123:ph_key").toString("base64")}`;
    expect(infobipCredentials("App ph_key")).toEqual({ apiKey: "ph_key" });
    expect(infobipCredentials(basic)).toEqual({ principal: "acc123", apiKey: "ph_key" });
    expect(infobipCredentials("Key ph_key")).toEqual({ apiKey: "ph_key" });
    expect(infobipCredentials("Bearer ph_key")).toEqual({ apiKey: "ph_key" });
    expect(infobipCredentials(`Basic ${Buffer.from("no-key:").toString("base64")}`)).toBeUndefined();
    expect(infobipCredentials(undefined)).toBeUndefined();
  });

  it("answers in Infobip's shape with its statuses", () => {
    const answer = (error: unknown) => {
      const r = infobipErrorResponse(error, "req") as { statusCode: number; body: string };
      return [r.statusCode, JSON.parse(r.body).requestError.serviceException];
    };
    expect(answer(new AppError("validation_error", { message: "to is required", reasons: [{ key: "required", ref: "to" }] }))).toEqual([
      400,
      { messageId: "BAD_REQUEST", text: "to is required", validationErrors: { to: ["to is required"] } },
    ]);
    expect(answer(new AppError("payload_too_large"))[0]).toBe(400);
    expect(answer(new AppError("unauthorized"))[1].messageId).toBe("UNAUTHORIZED");
    expect(answer(new AppError("rate_limited"))).toEqual([429, { messageId: "TOO_MANY_REQUESTS", text: "Too many requests" }]);
    expect(answer(new Error("boom"))).toEqual([500, { messageId: "GENERAL_ERROR", text: "Internal server error" }]);
  });
});

describe("the status table", () => {
  it("maps every Posthaste status to one of Infobip's groups", () => {
    for (const status of STATUSES) expect(GROUPS, status).toContain(STATUS_TABLE[status].groupName);
    expect(statusesInGroup("UNDELIVERABLE")).toEqual(["BOUNCED"]);
    expect(statusesInGroup("PENDING").sort()).toEqual(["ACCEPTED", "SCHEDULED", "SENT"]);
  });

  it("makes a bounce's report undeliverable, permanent, with its reason", () => {
    const report = infobipReport({
      messageId: "0mx50ue46BkTXNMvpPUdN9lIe0",
      email: "a@example.org",
      ts: 2000,
      sentAt: 1000,
      status: "BOUNCED",
      reason: "550 no such user",
    });
    expect(report).toMatchObject({
      bulkId: "0mx50ue46BkTXNMvpPUdN9lIe",
      sentAt: new Date(1000).toISOString(),
      doneAt: new Date(2000).toISOString(),
      status: { groupName: "UNDELIVERABLE" },
      error: { name: "EMAIL_BOUNCED", description: "550 no such user", permanent: true },
    });
  });
});

describe("logs and reports queries and entries", () => {
  const bulkId = "0mx50ue46BkTXNMvpPUdN9lIe";
  const message = {
    messageId: `${bulkId}1`,
    accountId: "a",
    submissionId: bulkId,
    bodyKey: "",
    from: { address: "news@example.com" },
    to: { address: "ann@example.org" },
    subject: "Hello",
    mergeFields: {},
    extraData: { infobipCallbackData: "order-42" },
    options: { trackOpens: true, trackLinks: true, language: "en", skipUnsubscribe: false },
    status: "OPENED" as const,
    statusRank: 3,
    history: [
      { status: "ACCEPTED" as const, ts: 1000 },
      { status: "SENT" as const, ts: 2000 },
      { status: "DELIVERED" as const, ts: 3000 },
      { status: "OPENED" as const, ts: 4000 },
    ],
    version: 4,
    createdAt: 1000,
    expiresAt: 0,
    attempts: 1,
  };

  it("reads generalStatus as the statuses of its group, Infobip's times, and a bulk as its messages' ids", () => {
    const q = parseInfobipLogsQuery({ generalStatus: "delivered", sentSince: "2026-12-01T18:00:00.000+0100", bulkId, limit: "3" });
    expect(q.statuses).toEqual(["DELIVERED", "OPENED", "CLICKED", "SUBSCRIBED", "UNSUBSCRIBED", "COMPLAINED"]);
    expect(q.sentSince).toBe(Date.parse("2026-12-01T17:00:00.000Z"));
    expect(q.messageIds).toEqual([`${bulkId}0`, `${bulkId}1`, `${bulkId}2`]);
    expect(parseInfobipReportsQuery({ messageId: `${bulkId}0`, bulkId }).messageIds).toEqual([`${bulkId}0`]);
  });

  it("refuses unknown parameters, an unknown group, a bad time and a bad limit by name", () => {
    for (const [query, ref] of [
      [{ status: "x" }, "status"],
      [{ generalStatus: "LOST" }, "generalStatus"],
      [{ sentSince: "yesterday" }, "sentSince"],
      [{ limit: "1001" }, "limit"],
    ] as const) {
      expect(refusal(() => parseInfobipLogsQuery(query)).reasons[0].ref).toBe(ref);
    }
  });

  it("shows a log entry with its current status and a report with its outcome", () => {
    expect(infobipLogEntry(message)).toMatchObject({
      bulkId,
      messageId: `${bulkId}1`,
      from: "news@example.com",
      to: "ann@example.org",
      text: "Hello",
      sentAt: new Date(1000).toISOString(),
      doneAt: new Date(3000).toISOString(),
      status: { groupName: "DELIVERED" },
      error: { name: "NO_ERROR" },
      channel: "EMAIL",
    });
    expect(infobipReportEntry(message)).toMatchObject({
      doneAt: new Date(3000).toISOString(),
      status: { name: "DELIVERED_TO_HANDSET" },
      callbackData: "order-42",
    });
  });
});

describe("bulks", () => {
  const caller = { accountId: "a", account: { accountId: "a", name: "a", createdAt: 0 } };
  const port = (copies: BulkMessage[]): BulkPort & { moved?: string; cancelled?: boolean } => {
    const p: BulkPort & { moved?: string; cancelled?: boolean } = {
      messages: async () => copies,
      cancel: async () => {
        p.cancelled = true;
        for (const c of copies) if (c.status === "SCHEDULED") c.status = "CANCELLED";
      },
      move: async (_c, _b, sendAt) => {
        p.moved = sendAt;
        for (const c of copies) c.sendAt = Date.parse(sendAt);
      },
    };
    return p;
  };

  it("shows a scheduled bulk's sendAt and status, moves and cancels it", async () => {
    const p = port([
      { status: "SCHEDULED", sendAt: 5000 },
      { status: "SCHEDULED", sendAt: 5000 },
    ]);
    expect(await getBulk(p, caller, { bulkId: "b" })).toEqual({
      externalBulkId: "b",
      bulks: [{ bulkId: "b", sendAt: new Date(5000).toISOString() }],
    });
    expect(await getBulkStatus(p, caller, { bulkId: "b" })).toMatchObject({ bulks: [{ status: "PENDING" }] });
    expect(await rescheduleBulk(p, caller, { bulkId: "b" }, Buffer.from('{"sendAt":"2030-01-01T00:00:00Z"}'))).toEqual({
      bulkId: "b",
      sendAt: "2030-01-01T00:00:00.000Z",
    });
    expect(await updateBulkStatus(p, caller, { bulkId: "b" }, Buffer.from('{"status":"CANCELED"}'))).toEqual({
      bulkId: "b",
      status: "CANCELED",
    });
  });

  it("refuses pausing, an unknown bulk (404) and a missing bulkId", async () => {
    const p = port([{ status: "SCHEDULED", sendAt: 5000 }]);
    await expect(updateBulkStatus(p, caller, { bulkId: "b" }, Buffer.from('{"status":"PAUSED"}'))).rejects.toMatchObject({
      reasons: [{ key: "not_supported", ref: "status" }],
    });
    await expect(getBulk(port([{ status: "ACCEPTED" }]), caller, { bulkId: "b" })).rejects.toMatchObject({ code: "not_found" });
    await expect(getBulk(p, caller, {})).rejects.toMatchObject({ reasons: [{ key: "required", ref: "bulkId" }] });
  });
});
