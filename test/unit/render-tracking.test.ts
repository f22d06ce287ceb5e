import { describe, expect, it } from "vitest";
import { composeMail } from "../../shared/render/compose.ts";
import { readClickToken } from "../../shared/render/click-links.ts";
import { sampleMessage } from "../support/fixtures.ts";
import type { Message, MessageOptions } from "../../shared/domain/message.ts";
import type { AccountPolicy } from "../../shared/domain/account.ts";

const settings = { publicUrl: "https://mail.example.com", linkSecret: "secret", unsubscribeMailDomain: "unsub.example.com" };

function message(options: Partial<MessageOptions> = {}, mergeFields: Record<string, string> = {}): Message {
  return sampleMessage({
    mergeFields,
    options: { trackOpens: true, trackLinks: true, language: "en", skipUnsubscribe: false, ...options },
  });
}

const compose = (
  html: string,
  options: Partial<MessageOptions> = {},
  account: AccountPolicy = {},
  fields: Record<string, string> = {},
  text?: string,
) => composeMail(message(options, fields), { from: { address: "shop@example.com" }, subject: "Hi", html, text }, settings, account).mail;

const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
const clickTarget = (url: string) => readClickToken(settings.linkSecret, url.slice(url.lastIndexOf("/") + 1));

describe("click tracking in HTML parts", () => {
  it("sends every http and https link through a signed redirect to the same URL", () => {
    const html = compose('<a href="https://shop.example/a?x=1">A</a> <a href="http://shop.example/b">B</a>[Unsubscribe]').html!;

    const [a, b] = hrefs(html);
    expect(a).toMatch(/^https:\/\/mail\.example\.com\/t\/c\//);
    expect(clickTarget(a)).toEqual({ messageId: "0mwt8abcdefghijklmnop", url: "https://shop.example/a?x=1" });
    expect(clickTarget(b)?.url).toBe("http://shop.example/b");
  });

  it("leaves mailto, tel, anchors and Posthaste's own unsubscribe and web-version links alone", () => {
    const html = compose('<a href="mailto:help@shop.example">m</a><a href="tel:+1">t</a><a href="#top">a</a>[Unsubscribe] [WebVersion]')
      .html!;

    const links = hrefs(html);
    expect(links.slice(0, 3)).toEqual(["mailto:help@shop.example", "tel:+1", "#top"]);
    expect(links[3]).toMatch(/^https:\/\/mail\.example\.com\/u\//);
    expect(links[4]).toMatch(/^https:\/\/mail\.example\.com\/w\//);
  });

  it("redirects to the URL as the browser reads it, with merge fields and entities resolved", () => {
    const html = compose(
      `<a class="btn" href='https://shop.example/o?id=[Order]&amp;lang=ru'>Order</a>[Unsubscribe]`,
      {},
      {},
      { Order: "4 2" },
    ).html!;

    expect(clickTarget(hrefs(html)[0])?.url).toBe("https://shop.example/o?id=4 2&lang=ru");
    expect(html).toContain('class="btn"');
  });

  it("does not touch the plain-text part", () => {
    const mail = compose("<p>x</p>", {}, {}, {}, "Visit https://shop.example/a");
    expect(mail.text).toBe("Visit https://shop.example/a");
  });

  it("is off when the message or its account turns it off", () => {
    const link = '<a href="https://shop.example/a">A</a>';
    expect(compose(link, { trackLinks: false }).html).toContain('href="https://shop.example/a"');
    expect(compose(link, {}, { trackLinks: false }).html).toContain('href="https://shop.example/a"');
  });
});

describe("the open pixel", () => {
  it("is a 1x1 image before </body> pointing at the signed open URL", () => {
    const html = compose("<html><body><p>Hi</p></body></html>").html!;

    expect(html).toMatch(
      /<img src="https:\/\/mail\.example\.com\/t\/o\/0mwt8abcdefghijklmnop\.[\w-]{22}" width="1" height="1" alt=""[^>]*><\/body><\/html>$/,
    );
  });

  it("is left out when the message or its account turns open tracking off", () => {
    expect(compose("<p>Hi</p>", { trackOpens: false }).html).not.toContain("/t/o/");
    expect(compose("<p>Hi</p>", {}, { trackOpens: false }).html).not.toContain("/t/o/");
  });
});

describe("the unsubscribe footer", () => {
  it("is added in the message's language when the body has no [Unsubscribe]", () => {
    const html = compose("<html><body><p>Hallo</p></body></html>", { language: "de" }).html!;

    expect(html).toContain("Sie möchten diese E-Mails nicht mehr erhalten?");
    expect(html).toMatch(/<a href="https:\/\/mail\.example\.com\/u\/[^"]+"[^>]*>Abmelden<\/a>/);
    expect(html.indexOf("Abmelden")).toBeLessThan(html.indexOf("</body>"));
  });

  it("is not added when the body places [Unsubscribe] itself", () => {
    const html = compose('<p><a href="[Unsubscribe]">leave</a></p>', { language: "ru" }).html!;
    expect(html).not.toContain("Не хотите получать эти письма?");
  });

  it("is skipped only when the message asks and the account is allowed to skip", () => {
    const asked = { skipUnsubscribe: true };
    const refused = compose("<p>Hi</p>", asked);
    const allowed = compose("<p>Hi</p>", asked, { allowSkipUnsubscribe: true });

    expect(refused.html).toContain("Unsubscribe</a>");
    expect(refused.headers["List-Unsubscribe"]).toBeDefined();
    expect(allowed.html).not.toContain("/u/");
    expect(allowed.headers["List-Unsubscribe"]).toBeUndefined();
  });

  it("falls back to English for a language it does not know", () => {
    expect(compose("<p>Hi</p>", { language: "xx" }).html).toContain("Don&#39;t want these emails?");
  });
});
