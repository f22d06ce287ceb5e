import { describe, expect, it } from "vitest";
import nodemailer from "nodemailer";
import { simpleParser } from "mailparser";
import { composeMail } from "../../shared/render/compose.ts";

import { sampleMessage } from "../support/fixtures.ts";
import { toNodemailerMessage } from "../../shared/transport/transport.ts";
import type { Message } from "../../shared/domain/message.ts";

const message: Message = sampleMessage({
  from: { address: "shop@example.com", name: "Магазин" },
  to: { address: "ivan@example.org", name: "Иван Петров" },
  subject: "Заказ [Order]",
  mergeFields: { Order: "42" },
});
const settings = { publicUrl: "https://mail.example.com", linkSecret: "s", unsubscribeMailDomain: "unsub.example.com" };

async function build(body: { html?: string; text?: string }) {
  const { mail } = composeMail(message, { from: message.from, subject: message.subject, ...body }, settings);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail(toNodemailerMessage(mail, []));
  const raw = (info.message as Buffer).toString();
  return { raw, parsed: await simpleParser(raw), mail };
}

describe("the outgoing MIME message", () => {
  it("MIME-encodes non-ASCII subject and names and keeps them readable", async () => {
    const { raw, parsed } = await build({ text: "Hi" });
    expect(raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(parsed.subject).toBe("Заказ 42");
    expect(parsed.from?.value[0]).toEqual({ name: "Магазин", address: "shop@example.com" });
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]).toEqual({ name: "Иван Петров", address: "ivan@example.org" });
  });

  it("carries List-Unsubscribe with URL and mailto, and the RFC 8058 one-click header", async () => {
    const { raw, mail } = await build({ text: "Hi" });
    const unfolded = raw.replace(/\r?\n[ \t]+/g, " ");
    const url = /^List-Unsubscribe: <(https:[^>]+)>, <mailto:([^>]+)>$/m.exec(unfolded);
    // The URL's token carries the unsubscribe ticket sealed inside; the mailto's is the short signed one.
    expect(url?.[1]).toMatch(/^https:\/\/mail\.example\.com\/u\/0mwt8abcdefghijklmnop\.[\w-]{40,}$/);
    expect(url?.[2]).toMatch(/^unsubscribe\+0mwt8abcdefghijklmnop\.[\w-]{22}@unsub\.example\.com$/);
    expect(unfolded).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(mail.headers["X-Posthaste-Message-Id"]).toBe("0mwt8abcdefghijklmnop");
  });

  it("uses Posthaste's message id in the Message-ID on the sender's domain", async () => {
    const { parsed } = await build({ text: "Hi" });
    expect(parsed.messageId).toBe("<0mwt8abcdefghijklmnop@example.com>");
  });

  it("sends both parts as multipart/alternative when both are given", async () => {
    const { parsed } = await build({ text: "Plain [Order]", html: "<p>Html [Order]</p>[Unsubscribe]" });
    expect(parsed.text?.trim()).toBe("Plain 42");
    expect(parsed.html).toContain("<p>Html 42</p>");
    expect(String(parsed.headers.get("content-type") && (parsed.headers.get("content-type") as { value: string }).value)).toBe(
      "multipart/alternative",
    );
  });
});
