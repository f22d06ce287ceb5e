// The SMTP door's parse (shared/smtp/parse.ts): a plain-text body is read without mailparser's full
// parse, and every message, plain or not, comes out exactly as the full parse reads it.
import nodemailer from "nodemailer";
import type { ParsedMail } from "mailparser";
import { describe, expect, it } from "vitest";

import { toIncomingMail } from "../../shared/smtp/ingest.ts";
import { bodyStart, fullParse, parseMessage } from "../../shared/smtp/parse.ts";

const HEAD = "From: Shop <news@shop.example>\r\nTo: Ivan <ivan@mail.test>\r\nSubject: Hello\r\nMIME-Version: 1.0\r\n";
const raw = (text: string) => Buffer.from(text, "utf8");

async function compose(mail: Parameters<ReturnType<typeof nodemailer.createTransport>["sendMail"]>[0]): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail({ from: "Shop <news@shop.example>", to: "ivan@mail.test", subject: "Hello", ...mail });
  return info.message as Buffer;
}

/** What the door keeps of a parse: the mail the rules read, and each attachment's bytes. */
async function seen(parsed: Promise<ParsedMail>) {
  const mail = await parsed;
  return { mail: toIncomingMail(mail), attachments: mail.attachments.map((a) => a.content.toString("base64")) };
}

const cases: [string, () => Buffer | Promise<Buffer>][] = [
  ["nodemailer's 7bit text", () => compose({ text: "Line one\nLine two.\n".repeat(200) })],
  ["nodemailer's quoted-printable text", () => compose({ text: "Привет, мир! ".repeat(30) })],
  ["nodemailer's text and HTML", () => compose({ text: "plain", html: "<p>rich</p>" })],
  ["nodemailer's HTML alone", () => compose({ html: "<html><body><p>only</p></body></html>" })],
  ["an attachment", () => compose({ text: "see attached", attachments: [{ filename: "a.txt", content: "hello" }] })],
  ["CRLF, bare LF and a lone CR in the body", () => raw(`${HEAD}Content-Type: text/plain\r\n\r\none\r\ntwo\nthree\rfour\r\r\nfive`)],
  ["a body without a final line end", () => raw(`${HEAD}\r\nno line end`)],
  ["a body of blank lines", () => raw(`${HEAD}\r\n\r\n\r\n\n`)],
  ["a body that is one line end", () => raw(`${HEAD}\r\n\r\n`)],
  ["no body at all", () => raw(`${HEAD}\r\n`)],
  ["no empty line after the headers", () => raw(HEAD)],
  ["no headers at all", () => raw("\r\nonly a body\r\n")],
  ["LF line ends only", () => raw(`${HEAD.replaceAll("\r\n", "\n")}Content-Type: text/plain; charset=utf-8\n\nfirst\nsecond\n`)],
  [
    "raw UTF-8 in an 8bit body",
    () => raw(`${HEAD}Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\nЗдравствуйте, 你好 👋\r\n`),
  ],
  [
    "bytes that are not UTF-8",
    () => Buffer.concat([raw(`${HEAD}Content-Type: text/plain; charset=utf-8\r\n\r\nbad `), Buffer.from([0xff, 0xc3, 0x28]), raw("\r\n")]),
  ],
  [
    "Latin-1",
    () =>
      Buffer.concat([
        raw(`${HEAD}Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf`),
        Buffer.from([0xe9]),
        raw("\r\n"),
      ]),
  ],
  [
    "us-ascii, upper case",
    () => raw(`${HEAD}Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\nContent-Transfer-Encoding: 7BIT\r\n\r\nshout\r\n`),
  ],
  ["a comment in Content-Type", () => raw(`${HEAD}Content-Type: text/plain (the text); charset=utf-8\r\n\r\ncommented\r\n`)],
  ["a quoted transfer encoding", () => raw(`${HEAD}Content-Type: text/plain\r\nContent-Transfer-Encoding: "base64"\r\n\r\naGVsbG8=\r\n`)],
  ["base64 text", () => raw(`${HEAD}Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n`)],
  ["format=flowed", () => raw(`${HEAD}Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\nsoft \r\nbreak\r\n`)],
  ["a text part with a name", () => raw(`${HEAD}Content-Type: text/plain; name="notes.txt"\r\n\r\nnotes\r\n`)],
  [
    "Content-Disposition: attachment",
    () => raw(`${HEAD}Content-Type: text/plain\r\nContent-Disposition: attachment; filename="a.txt"\r\n\r\nfile\r\n`),
  ],
  ["Content-Disposition: inline", () => raw(`${HEAD}Content-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nshown\r\n`)],
  ["a PDF as the whole message", () => raw(`${HEAD}Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n`)],
  ["two Content-Type headers", () => raw(`${HEAD}Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n<b>which</b>\r\n`)],
  [
    "text/html as the whole message",
    () => raw(`${HEAD}Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>cid:x <a href="http://x.test">x</a></body></html>\r\n`),
  ],
  ["delimiter-like lines in a single part", () => raw(`${HEAD}Content-Type: text/plain\r\n\r\n--boundary\r\n\r\n--boundary--\r\n`)],
  [
    "encoded words, folded options and X- headers",
    () =>
      raw(
        `From: =?UTF-8?B?0JzQsNCz0LDQt9C40L0=?= <news@shop.example>\r\nTo: "Ivan, Jr." <ivan@mail.test>, Anna <anna@mail.test>\r\nCc: c@mail.test\r\nBcc: b@shop.example\r\nReply-To: help@shop.example\r\nSubject: =?UTF-8?Q?Caf=C3=A9?=\r\nX-Posthaste: {"tags":\r\n ["a"]}\r\nX-Custom: Тест\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n`,
      ),
  ],
];

/** The cases whose body is plain text as it stands. */
const HEADER_ONLY = new Set([
  "nodemailer's 7bit text",
  "nodemailer's HTML alone",
  "a body that is one line end",
  "no headers at all",
  "CRLF, bare LF and a lone CR in the body",
  "a body without a final line end",
  "a body of blank lines",
  "LF line ends only",
  "raw UTF-8 in an 8bit body",
  "bytes that are not UTF-8",
  "us-ascii, upper case",
  "a comment in Content-Type",
  "text/html as the whole message",
  "delimiter-like lines in a single part",
  "encoded words, folded options and X- headers",
]);

describe("the SMTP door's parse", () => {
  it.each(cases)("reads %s exactly as mailparser's full parse does", async (name, make) => {
    const message = await make();
    const given: number[] = [];
    const parsed = parseMessage(message, (bytes) => {
      given.push(bytes.length);
      return fullParse(bytes);
    });
    expect(await seen(parsed)).toEqual(await seen(fullParse(message)));
    // The comparison means something only where the header block alone was parsed.
    expect(given.includes(message.length) ? "full" : "header block only").toBe(HEADER_ONLY.has(name) ? "header block only" : "full");
  });

  it("parses only the header block of a plain-text message", async () => {
    const message = await compose({ text: "Ten kilobytes of plain text.\n".repeat(350) });
    const given: number[] = [];
    const parsed = await parseMessage(message, (bytes) => {
      given.push(bytes.length);
      return fullParse(bytes);
    });
    expect(given).toEqual([bodyStart(message)]);
    expect(parsed.text).toBe("Ten kilobytes of plain text.\n".repeat(350));
  });

  it("parses the whole of a message whose body needs decoding", async () => {
    const message = await compose({ text: "plain", html: "<p>rich</p>" });
    const given: number[] = [];
    await parseMessage(message, (bytes) => {
      given.push(bytes.length);
      return fullParse(bytes);
    });
    expect(given.at(-1)).toBe(message.length);
  });

  it("finds the body after the first empty line, CRLF or LF", () => {
    expect(bodyStart(raw("A: 1\r\n\r\nbody"))).toBe(8);
    expect(bodyStart(raw("A: 1\n\nbody"))).toBe(6);
    expect(bodyStart(raw("A: 1\r\n \r\nB: 2\r\n\r\n"))).toBe(17);
    expect(bodyStart(raw("A: 1\r\n"))).toBe(-1);
  });
});
