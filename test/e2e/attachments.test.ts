// Attachments through the HTTP door on the local platform: upload with POST /files/files, send
// with AttachmentsIds, find the file in the delivered mail.
import { createHash, randomBytes } from "node:crypto";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

let platform: RunningPlatform;

async function upload(name: string, type: string, content: Uint8Array<ArrayBuffer>) {
  const form = new FormData();
  form.append("file", new Blob([content], { type }), name);
  const response = await fetch(`${platform.info.apiUrl}/files/files?category=EMAIL_ATTACHMENT`, {
    method: "POST",
    headers: { authorization: `Key ${platform.info.apiKey}` },
    body: form,
  });
  return { status: response.status, json: (await response.json()) as any };
}

const sha = (content: Uint8Array) => createHash("sha256").update(content).digest("hex");

beforeAll(async () => {
  platform = await startPlatformProcess();
});

afterAll(async () => platform?.stop());

describe("attachments on the HTTP API", () => {
  it("delivers an uploaded file attached to every recipient's copy", async () => {
    const pdf = new Uint8Array(randomBytes(200 * 1024)) as Uint8Array<ArrayBuffer>;
    const uploaded = await upload("счёт.pdf", "application/pdf", pdf);
    expect(uploaded.status).toBe(200);
    const { fileId, publicUrl } = uploaded.json.result;
    expect(sha(new Uint8Array(await (await fetch(publicUrl)).arrayBuffer()))).toBe(sha(pdf));

    const sent = await api(platform.info).post("/email/messages", {
      Recipients: [{ Address: "one@example.org" }, { Address: "two@example.org" }],
      Sender: { Address: "billing@example.com" },
      Subject: "Your invoice",
      Body: { PlainText: "Attached." },
      AttachmentsIds: [fileId],
    });
    expect(sent.json.Code).toBe("ok");

    for (const result of sent.json.Result) {
      const entry = await eventually(
        async () => (await mailbox(platform.info).list(`?messageId=${result.MessageId}`))[0],
        20_000,
        "delivery",
      );
      const mail = await simpleParser(await mailbox(platform.info).raw(entry.id));
      expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([["счёт.pdf", "application/pdf"]]);
      expect(sha(mail.attachments[0].content)).toBe(sha(pdf));
    }
  });

  it("refuses an unknown attachment id with the field it concerns", async () => {
    const sent = await api(platform.info).post("/email/messages", {
      Recipients: [{ Address: "one@example.org" }],
      Sender: { Address: "billing@example.com" },
      Subject: "Missing",
      Body: { PlainText: "x" },
      AttachmentsIds: ["0mwt000000notarealfile00"],
    });
    expect(sent.status).toBe(400);
    expect(sent.json).toMatchObject({ Code: "validation_error", Reasons: [{ key: "attachment_not_found", ref: "AttachmentsIds[0]" }] });
  });

  it("refuses an executable upload", async () => {
    const uploaded = await upload("tool.js", "text/javascript", new TextEncoder().encode("alert(1)"));
    expect(uploaded.status).toBe(400);
    expect(uploaded.json.Description).toBe("Not allowed attachment type js");
  });
});
