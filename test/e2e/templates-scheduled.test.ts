// Stored templates and scheduled sends on the local platform as `npm start` runs it: a real HTTP
// client and a real SMTP client (nodemailer) in, the mailbox out, and a kill -9 in between.
import { readFile } from "node:fs/promises";
import nodemailer from "nodemailer";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

let platform: RunningPlatform;

// The options header of Unisender Go's SMTP reference, verbatim (its template_id included).
const SEED_OPTIONS =
  '{\n  "global_language": "en",\n  "template_engine": "velocity",\n"template_id": "37f186b3-1de2-4202-ab37-f8dd0b36ed68",   "global_substitutions": {   "DiscountCode":"XMAS"   },   "global_metadata": {   "meta-campaign": "transactional"   },   "track_links":1,   "track_read":1, "skip_unsubscribe":0 }';

async function smtp() {
  const { info } = platform;
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port: info.smtpStarttlsPort,
    requireTLS: true,
    tls: { ca: await readFile(info.smtpCertFile, "utf8"), servername: "localhost" },
    auth: { user: info.accountId, pass: info.apiKey },
  });
}

async function delivered(to: string, within = 20_000): Promise<ParsedMail> {
  const entry = await eventually(
    async () => (await mailbox(platform.info).list(`?to=${encodeURIComponent(to)}`))[0],
    within,
    `mail to ${to}`,
  );
  return simpleParser(await mailbox(platform.info).raw(entry.id));
}

const status = async (messageId: string) => (await api(platform.info).get(`/email/messages/${messageId}`)).json?.Result?.Status;

const send = (fields: Record<string, unknown>) =>
  api(platform.info).post("/email/messages", { Sender: { Address: "shop@example.com" }, ...fields });

beforeAll(async () => {
  platform = await startPlatformProcess();
});
afterAll(async () => platform?.stop());

describe("templates on both doors", () => {
  it("sends the reference's own options header over SMTP with the stored template rendered, the mail's Subject kept", async () => {
    const put = await api(platform.info).call("PUT", "/email/templates/37f186b3-1de2-4202-ab37-f8dd0b36ed68", {
      Name: "Christmas",
      Engine: "velocity",
      Subject: "The template's subject",
      Html: "<p>Your code: <b>$DiscountCode</b></p>",
      Text: "Your code: $DiscountCode",
    });
    expect(put.status).toBe(201);

    const transport = await smtp();
    await transport.sendMail({
      from: "shop@example.com",
      to: "seed-template@example.org",
      subject: "Merry Christmas",
      text: "this body is replaced by the template's",
      headers: { "X-UNISENDER-GO": SEED_OPTIONS },
    });

    const mail = await delivered("seed-template@example.org");
    expect(mail.subject).toBe("Merry Christmas");
    expect(mail.html).toContain("<p>Your code: <b>XMAS</b></p>");
    expect(mail.text).toContain("Your code: XMAS");
    expect(mail.text).not.toContain("replaced");
  });

  it("refuses over SMTP a template_id that does not exist, with a clear 554", async () => {
    const transport = await smtp();
    const attempt = transport.sendMail({
      from: "shop@example.com",
      to: "no-template@example.org",
      subject: "Hello",
      text: "Hi",
      headers: { "X-Posthaste": JSON.stringify({ template_id: "missing-template" }) },
    });
    await expect(attempt).rejects.toMatchObject({
      responseCode: 554,
      response: expect.stringMatching(/^554 .*Template missing-template not found/),
    });
  });

  it("sends with TemplateId over HTTP, each recipient with its own merge fields", async () => {
    const created = await api(platform.info).post("/email/templates", {
      Name: "Welcome",
      Engine: "simple",
      Subject: "Welcome, {{Name}}",
      Html: "<p>Hello {{Name}}, your plan is {{Plan}}.</p>",
    });
    expect(created.status).toBe(201);

    const response = await send({
      TemplateId: created.json.Result.Id,
      GlobalMergeFields: { Plan: "Gold" },
      Recipients: [
        { Address: "anna@example.org", MergeFields: { Name: "Anna" } },
        { Address: "boris@example.org", MergeFields: { Name: "Boris" } },
      ],
    });
    expect(response.status).toBe(200);

    const anna = await delivered("anna@example.org");
    expect(anna.subject).toBe("Welcome, Anna");
    expect(anna.html).toContain("<p>Hello Anna, your plan is Gold.</p>");
    expect((await delivered("boris@example.org")).html).toContain("<p>Hello Boris, your plan is Gold.</p>");
  });

  it("refuses an unknown TemplateId over HTTP and sends nothing", async () => {
    const response = await send({ TemplateId: "no-such-template", Recipients: [{ Address: "nobody@example.org" }] });
    expect(response.status).toBe(400);
    expect(response.json.Reasons).toEqual([{ key: "template_not_found", ref: "TemplateId" }]);
    expect(response.json.Description).toContain("no-such-template");
  });

  it("refuses a field the API does not know, naming it, on sending and on the template routes", async () => {
    const typo = await send({ Recipients: [{ Address: "typo@example.org" }], Subject: "Hi", Body: { PlainText: "Hi" }, SendAtt: "soon" });
    expect(typo.status).toBe(400);
    expect(typo.json.Reasons).toEqual([{ key: "unknown_field", ref: "SendAtt" }]);

    const nested = await send({
      Recipients: [{ Address: "typo@example.org", MergeFeilds: {} }, { Address: "fine@example.org" }],
      Subject: "Hi",
      Body: { PlainText: "Hi" },
    });
    expect(nested.json.Result[1].Code).toBe("ok");
    expect(nested.json.Result[0].Reasons).toEqual([{ key: "unknown_field", ref: "Recipients[0].MergeFeilds" }]);

    const template = await api(platform.info).post("/email/templates", { Name: "x", Html: "<p>x</p>", Engnie: "velocity" });
    expect(template.status).toBe(400);
    expect(template.json.Reasons).toEqual([{ key: "unknown_field", ref: "Engnie" }]);

    const query = await api(platform.info).get("/email/templates?limt=5");
    expect(query.status).toBe(400);
    expect(query.json.Reasons).toEqual([{ key: "unknown_field", ref: "limt" }]);
  });
});

describe("scheduled sends", () => {
  it("records SCHEDULED at once and delivers at the time, not before", async () => {
    const sendAt = Date.now() + 6_000;
    const response = await send({
      Recipients: [{ Address: "later@example.org" }],
      Subject: "Later",
      Body: { PlainText: "On time" },
      SendAt: new Date(sendAt).toISOString(),
    });
    expect(response.status).toBe(200);
    const [result] = response.json.Result;
    expect(result.Status).toBe("SCHEDULED");
    expect(await status(result.MessageId)).toBe("SCHEDULED");

    // Watched from the start: seen before its time would mean sent before its time.
    await delivered("later@example.org", 30_000);
    expect(Date.now()).toBeGreaterThanOrEqual(sendAt);
    expect(await eventually(async () => ((await status(result.MessageId)) === "DELIVERED" ? true : undefined))).toBe(true);
  });

  it("cancels a scheduled submission: CANCELLED, and nothing arrives", async () => {
    const sendAt = Date.now() + 5_000;
    const response = await send({
      Recipients: [{ Address: "cancelled@example.org" }],
      Subject: "Never",
      Body: { PlainText: "Never" },
      SendAt: new Date(sendAt).toISOString(),
    });
    const messageId = response.json.Result[0].MessageId;
    const cancel = await api(platform.info).call("DELETE", `/email/scheduled/${messageId}`);
    expect(cancel.status).toBe(200);
    expect(cancel.json.Result.Messages).toEqual([{ MessageId: messageId, Status: "CANCELLED" }]);

    const again = await api(platform.info).call("DELETE", `/email/scheduled/${messageId}`);
    expect(again.status).toBe(409);

    await new Promise((resolve) => setTimeout(resolve, sendAt - Date.now() + 5_000));
    expect(await mailbox(platform.info).list("?to=cancelled%40example.org")).toEqual([]);
    expect(await status(messageId)).toBe("CANCELLED");
  });

  it("refuses a SendAt in the past, beyond 30 days or malformed", async () => {
    const base = { Recipients: [{ Address: "x@example.org" }], Subject: "x", Body: { PlainText: "x" } };
    for (const SendAt of [new Date(Date.now() - 60_000).toISOString(), new Date(Date.now() + 31 * 86_400_000).toISOString(), "tomorrow"]) {
      const response = await send({ ...base, SendAt });
      expect(response.status, SendAt).toBe(400);
      expect(response.json.Reasons[0].ref).toBe("SendAt");
    }
  });

  it("survives a kill -9 of the platform: the send arrives after its time", async () => {
    const sendAt = Date.now() + 8_000;
    const response = await send({
      Recipients: [{ Address: "survivor@example.org" }],
      Subject: "Survivor",
      Body: { PlainText: "Still here" },
      SendAt: new Date(sendAt).toISOString(),
    });
    expect(response.json.Result[0].Status).toBe("SCHEDULED");
    const { dataDir } = platform;
    await platform.kill();
    platform = await startPlatformProcess({ dataDir });

    const mail = await delivered("survivor@example.org", 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(sendAt);
    expect(mail.text).toContain("Still here");
  });
});

describe("account defaults", () => {
  it("refuses SkipUnsubscribe without the right on both doors, and honours the account's forced skip", async () => {
    const refused = await send({
      Recipients: [{ Address: "a@example.org" }],
      Subject: "x",
      Body: { PlainText: "x" },
      SkipUnsubscribe: true,
    });
    expect(refused.status).toBe(400);
    expect(refused.json.Reasons).toEqual([{ key: "skip_unsubscribe_not_allowed", ref: "SkipUnsubscribe" }]);
    const transport = await smtp();
    await expect(
      transport.sendMail({
        from: "shop@example.com",
        to: "a@example.org",
        subject: "x",
        text: "x",
        headers: { "X-Posthaste": JSON.stringify({ skip_unsubscribe: 1 }) },
      }),
    ).rejects.toMatchObject({ responseCode: 554 });

    // A new account, so that no cache of the running platform holds it yet.
    const { accountId, apiKey } = await admin(platform.dataDir, ["account", "create", "--name", "Forced skip"]);
    // A domain is one account's: this account gets its own.
    await admin(platform.dataDir, ["domain", "add", "--account", accountId, "--domain", "forced-skip.example"]);
    const patch = await api(platform.info, apiKey).call("PATCH", "/account/settings", { SkipUnsubscribe: true });
    expect(patch.status).toBe(400);
    expect(patch.json.Reasons).toEqual([{ key: "skip_unsubscribe_not_allowed", ref: "SkipUnsubscribe" }]);
    await admin(platform.dataDir, ["account", "set", "--account", accountId, "--skip-unsubscribe", "true", "--smtp-strict", "true"]);
    const settings = await api(platform.info, apiKey).get("/account/settings");
    expect(settings.json.Result).toMatchObject({ SkipUnsubscribe: true, SmtpStrict: true, AllowSkipUnsubscribe: false });

    const sent = await api(platform.info, apiKey).post("/email/messages", {
      Sender: { Address: "shop@forced-skip.example" },
      Recipients: [{ Address: "forced-skip@example.org" }],
      Subject: "No link",
      Body: { Html: "<p>Hello</p>" },
    });
    expect(sent.status).toBe(200);
    const mail = await delivered("forced-skip@example.org");
    expect(mail.headers.has("list-unsubscribe")).toBe(false);
    expect(mail.html).not.toContain("/u/");
  });
});
