// SMTP submission on the local platform as `npm start` runs it: a real SMTP client (nodemailer)
// in over STARTTLS and implicit TLS, the mailbox out.
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEncodedWords } from "../../shared/smtp/mime-words.ts";
import { api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

let platform: RunningPlatform;
let ca: string;

function smtp(secure = false) {
  const { info } = platform;
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port: secure ? info.smtpTlsPort : info.smtpStarttlsPort,
    secure,
    requireTLS: !secure,
    tls: { ca, servername: "localhost" },
    auth: { user: info.accountId, pass: info.apiKey },
  });
}

const queuedId = (response: string) => /^250 Ok: queued as (\S+)$/.exec(response)?.[1];

/** The delivered mail of one recipient, once it is in the mailbox. */
async function delivered(to: string, subject: string): Promise<ParsedMail> {
  const entry = await eventually(
    async () => (await mailbox(platform.info).list(`?to=${encodeURIComponent(to)}`)).find((e) => e.subject === subject),
    20_000,
    `mail to ${to}`,
  );
  return simpleParser(await mailbox(platform.info).raw(entry.id));
}

const sha = (content: Buffer) => createHash("sha256").update(content).digest("hex");

beforeAll(async () => {
  platform = await startPlatformProcess();
  ca = await readFile(platform.info.smtpCertFile, "utf8");
});

afterAll(async () => platform?.stop());

describe("SMTP submission on the local platform", () => {
  it("delivers a message with its attachments intact, over STARTTLS and over implicit TLS", async () => {
    const image = randomBytes(64 * 1024);
    for (const secure of [false, true]) {
      const subject = `Report over ${secure ? "TLS" : "STARTTLS"}`;
      const info = await smtp(secure).sendMail({
        from: "reports@example.com",
        to: "ivan@example.org",
        subject,
        text: "Your report is attached.",
        attachments: [
          { filename: "отчёт.csv", content: "a;b\n1;2\n", contentType: "text/csv" },
          { filename: "chart.png", content: image, contentType: "image/png" },
        ],
      });
      expect(queuedId(info.response)).toBeDefined();

      const mail = await delivered("ivan@example.org", subject);
      expect(mail.text?.trim()).toBe("Your report is attached.");
      expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
        ["отчёт.csv", "text/csv"],
        ["chart.png", "image/png"],
      ]);
      expect(mail.attachments[0].content.toString()).toBe("a;b\n1;2\n");
      expect(sha(mail.attachments[1].content)).toBe(sha(image));
    }
  });

  it("gives To, CC and BCC each their own copy with only that address in To", async () => {
    await smtp().sendMail({
      from: "news@example.com",
      to: '"Ivan" <to@example.org>',
      cc: "cc@example.org",
      bcc: "bcc@example.com",
      subject: "Three copies",
      text: "Hi",
    });

    for (const address of ["to@example.org", "cc@example.org", "bcc@example.com"]) {
      const mail = await delivered(address, "Three copies");
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([address]);
      expect(mail.cc).toBeUndefined();
      expect(mail.bcc).toBeUndefined();
    }
    expect((await delivered("to@example.org", "Three copies")).to).toMatchObject({ text: '"Ivan" <to@example.org>' });
  });

  it("in strict mode keeps the client's To and Cc on every copy", async () => {
    await smtp().sendMail({
      from: "news@example.com",
      to: "first@example.org",
      cc: "second@example.org",
      subject: "Strict",
      text: "Hi",
      headers: { "X-Posthaste": JSON.stringify({ strict: true }) },
    });

    for (const address of ["first@example.org", "second@example.org"]) {
      const mail = await delivered(address, "Strict");
      expect(mail.headers.get("to")).toMatchObject({ text: "first@example.org" });
      expect(mail.headers.get("cc")).toMatchObject({ text: "second@example.org" });
    }
  });

  it("applies the options header's substitutions, language, tags and metadata (MIME-encoded and folded, under the Unisender name)", async () => {
    const options = JSON.stringify({
      global_language: "ru",
      global_substitutions: { Name: "Иван Петрович", Order: "A-1001" },
      global_metadata: { campaign: "осень" },
      tags: ["orders", "ru"],
    });
    // nodemailer MIME-encodes and folds a long non-ASCII header value, as mb_encode_mimeheader does.
    const info = await smtp().sendMail({
      from: "shop@example.com",
      to: "petrovich@example.org",
      subject: "Заказ {{Order}}",
      html: "<html><body><p>Здравствуйте, {{Name}}!</p></body></html>",
      headers: { "X-UNISENDER-GO": options, "X-Order-Ref": "A-1001" },
    });

    const mail = await delivered("petrovich@example.org", "Заказ A-1001");
    expect(mail.html).toContain("Здравствуйте, Иван Петрович!");
    expect(mail.html).toContain("Отписаться");
    expect(mail.headers.get("x-order-ref")).toBe("A-1001");
    expect(mail.headers.has("x-unisender-go")).toBe(false);
    const stored = (await api(platform.info).get(`/email/messages/${queuedId(info.response)}`)).json.Result;
    expect(stored).toMatchObject({ Tags: ["orders", "ru"], Metadata: { campaign: "осень" } });
  });

  it("reads raw UTF-8 in headers (8BITMIME / SMTPUTF8) as UTF-8", async () => {
    // As mailers that trust the advertised 8BITMIME and SMTPUTF8 write it: no encoded words at all.
    const raw = Buffer.from(
      [
        "From: Иван Петров <reports@example.com>",
        "To: Пётр Иванович <raw-utf8@example.org>",
        "Subject: Привет, Иван",
        "X-Note: Иван",
        'X-Posthaste: {"global_substitutions":{"Name":"Иван"},"global_metadata":{"who":"Иван"}}',
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Здравствуйте, {{Name}}!",
        "",
      ].join("\r\n"),
      "utf8",
    );
    const info = await smtp().sendMail({ envelope: { from: "reports@example.com", to: ["raw-utf8@example.org"] }, raw });

    const mail = await delivered("raw-utf8@example.org", "Привет, Иван");
    expect(mail.from?.value[0]).toEqual({ name: "Иван Петров", address: "reports@example.com" });
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0] : undefined).toEqual({
      name: "Пётр Иванович",
      address: "raw-utf8@example.org",
    });
    expect(decodeEncodedWords(String(mail.headers.get("x-note")))).toBe("Иван"); // mailparser leaves X- headers encoded
    expect(mail.text).toContain("Здравствуйте, Иван!");
    const stored = (await api(platform.info).get(`/email/messages/${queuedId(info.response)}`)).json.Result;
    expect(stored).toMatchObject({ Metadata: { who: "Иван" } });
  });

  it("refuses a Velocity template that reaches for the process instead of running it", async () => {
    const secret = (await readFile(path.join(platform.dataDir, "link-secret"), "utf8")).trim();
    // From any string, __lookupGetter__ reaches Function.prototype, then Function, then code of our own.
    const exploit =
      '#set($getter = $to_email.__lookupGetter__("__proto__"))#set($functions = $getter.call($getter))' +
      'Secret: $functions.constructor("return process.env.LINK_SECRET").call()';
    const subject = "Velocity exploit";
    const outcome = await smtp()
      .sendMail({
        from: "shop@example.com",
        to: "victim@example.org",
        subject,
        text: exploit,
        headers: { "X-Posthaste": '{"template_engine":"velocity"}' },
      })
      .then(
        (info) => info.response,
        (error: { response: string }) => error.response,
      );

    if (!outcome.startsWith("554")) expect((await delivered("victim@example.org", subject)).text).not.toContain(secret);
    expect(outcome).toBe(
      '554 Transaction failed: Invalid template in the text body at line 1, column 1: $to_email.__lookupGetter__("__proto__") calls a method; templates may only read values',
    );
  });

  it("refuses a template_id that names no template clearly instead of ignoring it", async () => {
    const error = await smtp()
      .sendMail({
        from: "shop@example.com",
        to: "a@example.org",
        subject: "T",
        text: "x",
        headers: { "X-Posthaste": '{"template_id":"welcome"}' },
      })
      .catch((e: { response: string }) => e);
    expect((error as { response: string }).response).toBe("554 Transaction failed: Template welcome not found");
  });
});
