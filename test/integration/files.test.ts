// Attachments (docs/http-api.md): POST /files/files as a Lambda handler against the stand-ins, and
// AttachmentsIds on the send API.
import { beforeAll, describe, expect, it } from "vitest";
import { makeHandler } from "../../functions/http/upload-file.ts";
import { sendMessages } from "../../shared/accept/send-messages.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

let t: TestEnv;
let owner: Awaited<ReturnType<typeof makeAccount>>;

/** A multipart/form-data body as a browser or curl -F would send it. */
async function multipart(parts: Record<string, { name: string; type: string; content: Buffer | string } | string>) {
  const form = new FormData();
  for (const [field, part] of Object.entries(parts)) {
    if (typeof part === "string") form.append(field, part);
    else
      form.append(
        field,
        new Blob([typeof part.content === "string" ? part.content : new Uint8Array(part.content)], { type: part.type }),
        part.name,
      );
  }
  const request = new Request("http://upload.test/", { method: "POST", body: form });
  return { contentType: request.headers.get("content-type")!, body: Buffer.from(await request.arrayBuffer()) };
}

async function upload(parts: Parameters<typeof multipart>[0], options: { apiKey?: string; category?: string | null } = {}) {
  const { contentType, body } = await multipart(parts);
  const category = options.category === undefined ? "EMAIL_ATTACHMENT" : options.category;
  const event = apiEvent({
    method: "POST",
    path: "/files/files",
    headers: { authorization: `Key ${options.apiKey ?? owner.apiKey}`, "content-type": contentType },
    query: category === null ? undefined : { category },
  });
  return invoke(makeHandler(t.deps), { ...event, body: body.toString("base64"), isBase64Encoded: true });
}

const pdf = (content: Buffer | string = "%PDF-1.4 receipt", name = "receipt.pdf") => ({ file: { name, type: "application/pdf", content } });

const send = (attachmentIds: string[], caller = owner.caller, deps = t.deps) =>
  sendMessages(deps, caller, {
    Recipients: [{ Address: "ivan@mail.test" }, { Address: "anna@mail.test" }],
    Sender: { Address: "news@example.com" },
    Subject: "Your receipt",
    Body: { PlainText: "Attached." },
    AttachmentsIds: attachmentIds,
  });

beforeAll(async () => {
  t = await makeTestEnv();
  owner = await makeAccount(t.deps);
});

describe("uploading a file", () => {
  it("stores it and answers its id and a link that downloads it under its name", async () => {
    const response = await upload(pdf("%PDF-1.4 the receipt", "квитанция.pdf"));

    expect(response.statusCode).toBe(200);
    const { fileId, publicUrl } = response.json.result;
    expect(fileId).toMatch(/^[\w-]{20,}$/);
    const download = await fetch(publicUrl);
    expect(await download.text()).toBe("%PDF-1.4 the receipt");
    expect(decodeURIComponent(download.headers.get("content-disposition") ?? "")).toContain("квитанция.pdf");
  });

  it("refuses an executable in the reference's words", async () => {
    const response = await upload({ file: { name: "setup.exe", type: "application/octet-stream", content: "MZ" } });

    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({
      Code: "validation_error",
      Description: "Not allowed attachment type exe",
      Reasons: [{ key: "attachment_type_not_allowed", ref: "file" }],
    });
  });

  it("refuses a file over 7 MB with 413", async () => {
    const response = await upload(pdf(Buffer.alloc(7 * 1024 * 1024 + 1, 0x41)));

    expect(response.statusCode).toBe(413);
    expect(response.json.Reasons).toEqual([{ key: "attachment_too_large", ref: "file" }]);
  });

  it("requires category=EMAIL_ATTACHMENT", async () => {
    expect((await upload(pdf(), { category: null })).json.Reasons).toEqual([{ key: "required", ref: "category" }]);
    expect((await upload(pdf(), { category: "AVATAR" })).json.Reasons).toEqual([{ key: "invalid_category", ref: "category" }]);
  });

  it("requires a part named file", async () => {
    const response = await upload({ document: pdf().file });
    expect(response.statusCode).toBe(400);
    expect(response.json.Reasons).toEqual([{ key: "required", ref: "file" }]);
  });

  it("requires a multipart body", async () => {
    const event = apiEvent({
      method: "POST",
      path: "/files/files",
      headers: { authorization: `Key ${owner.apiKey}` },
      query: { category: "EMAIL_ATTACHMENT" },
      body: { file: "x" },
    });
    expect((await invoke(makeHandler(t.deps), event)).statusCode).toBe(415);
  });

  it("requires an API key", async () => {
    expect((await upload(pdf(), { apiKey: "ph_nobody" })).statusCode).toBe(401);
  });
});

describe("attaching uploaded files to a send", () => {
  it("stores the reference once in the body every copy shares", async () => {
    const { fileId } = (await upload(pdf("%PDF receipt"))).json.result;

    const answer = await send([fileId]);

    const results = (answer.body as { Result: { MessageId: string; Code: string }[] }).Result;
    expect(results.map((r) => r.Code)).toEqual(["ok", "ok"]);
    const [first, second] = await Promise.all(results.map((r) => t.deps.messages.getMessage(r.MessageId)));
    expect(first!.bodyKey).toBe(second!.bodyKey);
    const body = await t.deps.bodies.get(first!.bodyKey);
    expect(body.attachments).toEqual([
      {
        fileId,
        filename: "receipt.pdf",
        contentType: "application/pdf",
        expiresAt: expect.any(Number),
        size: 12,
        key: `files/${owner.account.accountId}/${fileId}`,
      },
    ]);
  });

  it("does not let another account use a file id, naming the field", async () => {
    const { fileId } = (await upload(pdf())).json.result;
    const stranger = await makeAccount(t.deps);

    await expect(send(["unknown-file-id-000000", fileId], stranger.caller)).rejects.toMatchObject({
      code: "validation_error",
      message: "Attachment unknown-file-id-000000 was not found",
      reasons: [
        { key: "attachment_not_found", ref: "AttachmentsIds[0]" },
        { key: "attachment_not_found", ref: "AttachmentsIds[1]" },
      ],
    });
  });

  it("refuses a file named more than once, and more files than the limit", async () => {
    const { fileId } = (await upload(pdf())).json.result;

    await expect(send(Array(5000).fill(fileId))).rejects.toMatchObject({
      code: "validation_error",
      reasons: [{ key: "too_many_items", ref: "AttachmentsIds" }],
    });
    await expect(send([fileId, fileId])).rejects.toMatchObject({
      code: "validation_error",
      message: "AttachmentsIds[1] names a file already attached",
      reasons: [{ key: "duplicate", ref: "AttachmentsIds[1]" }],
    });
  });

  it("refuses attachments that with the body exceed the message size limit", async () => {
    const { fileId } = (await upload(pdf(Buffer.alloc(3000, 0x41)))).json.result;
    const small = { ...t.deps, config: { ...t.deps.config, limits: { ...t.deps.config.limits, messageBytes: 2000 } } };

    await expect(send([fileId], owner.caller, small)).rejects.toMatchObject({
      reasons: [{ key: "message_too_large", ref: "AttachmentsIds" }],
    });
  });
});
