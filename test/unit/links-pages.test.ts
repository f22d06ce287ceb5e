import { describe, expect, it } from "vitest";
import { languageFromHeader, texts } from "../../shared/domain/i18n.ts";
import { signToken } from "../../shared/domain/link-tokens.ts";
import { decodeHtmlAttribute } from "../../shared/lib/html.ts";
import { clickUrl, readClickToken } from "../../shared/render/click-links.ts";
import { redirectResponse } from "../../shared/links/responses.ts";
import { invalidLinkPage, unsubscribePage } from "../../shared/links/unsubscribe-page.ts";
import { postedAction } from "../../shared/links/unsubscribe.ts";
import { LANGUAGES } from "../../shared/domain/language.ts";

const SECRET = "secret";
const tokenOf = (url: string) => url.slice(url.lastIndexOf("/") + 1);

describe("click tokens", () => {
  it("carry the message and the original URL under the signature", () => {
    const token = tokenOf(clickUrl("https://p.test", SECRET, "msg1", "https://shop.example/ü?a=1&b=2"));
    expect(readClickToken(SECRET, token)).toEqual({ messageId: "msg1", url: "https://shop.example/ü?a=1&b=2" });
  });

  it("are refused when any part is edited, re-signed with another secret, or made for another purpose", () => {
    const token = tokenOf(clickUrl("https://p.test", SECRET, "msg1", "https://shop.example/"));
    const [messageId, url, signature] = token.split(".");
    const otherUrl = Buffer.from("https://evil.example/").toString("base64url");

    expect(readClickToken(SECRET, `${messageId}.${otherUrl}.${signature}`)).toBeUndefined();
    expect(readClickToken(SECRET, `msg2.${url}.${signature}`)).toBeUndefined();
    expect(readClickToken(SECRET, `${messageId}.${url}.${signature.slice(0, -1)}A`)).toBeUndefined();
    expect(readClickToken("other", token)).toBeUndefined();
    expect(readClickToken(SECRET, signToken(SECRET, "open", `${messageId}.${url}`))).toBeUndefined();
  });

  it("never lead to anything but an http or https URL, even when signed", () => {
    const script = Buffer.from("javascript:alert(1)").toString("base64url");
    expect(readClickToken(SECRET, signToken(SECRET, "click", `msg1.${script}`))).toBeUndefined();
  });
});

describe("what a POST to the unsubscribe URL asks for", () => {
  const post = (type: string, body: string) => postedAction(type, Buffer.from(body));

  it("reads RFC 8058 one-click, form-encoded or multipart", () => {
    expect(post("application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")).toBe("one-click");
    const multipart = '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n';
    expect(post("multipart/form-data; boundary=b", multipart)).toBe("one-click");
  });

  it("reads the page's own buttons and refuses anything else", () => {
    expect(post("application/x-www-form-urlencoded", "action=unsubscribe&submit=unsubscribe")).toBe("unsubscribe");
    expect(post("application/x-www-form-urlencoded", "action=resubscribe")).toBe("resubscribe");
    expect(post("application/x-www-form-urlencoded", "action=delete")).toBeUndefined();
    expect(post("application/x-www-form-urlencoded", "")).toBeUndefined();
  });
});

describe("the unsubscribe page", () => {
  it("escapes the address and sender it shows, and has no script", () => {
    const html = unsubscribePage({
      state: "confirm",
      language: "en",
      address: '"><script>x()</script>@example.org',
      sender: "<b>Shop</b> $& $'",
    });

    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;x()&lt;/script&gt;@example.org");
    expect(html).toContain("&lt;b&gt;Shop&lt;/b&gt; $&amp; $&#39;");
  });

  it("confirms with a button that POSTs, in every supported language", () => {
    for (const language of LANGUAGES) {
      const html = unsubscribePage({ state: "confirm", language, address: "a@example.org", sender: "Shop" });
      expect(html).toContain(`<title>${texts(language).page.title.replace(/'/g, "&#39;")}</title>`);
      expect(html).toMatch(/<form method="post"><input type="hidden" name="action" value="unsubscribe">/);
    }
  });

  it("offers to subscribe again once unsubscribed", () => {
    const html = unsubscribePage({ state: "unsubscribed", language: "ru", address: "a@example.org", sender: "Shop" });
    expect(html).toContain("Вы отписались");
    expect(html).toContain('value="resubscribe"');
    expect(html).toContain('<html lang="ru">');
  });

  it("tells a reader with a bad link so in their browser's language", () => {
    expect(invalidLinkPage(languageFromHeader("uk-UA,uk;q=0.9,en;q=0.8"))).toContain("Посилання недійсне");
    expect(languageFromHeader("zh-CN, fr;q=0.5, de;q=0.7")).toBe("de");
    expect(languageFromHeader(undefined)).toBe("en");
  });
});

describe("reading a link as the browser does", () => {
  it("decodes entities in href values, but leaves a bare &name in a query alone", () => {
    expect(decodeHtmlAttribute("/o?a=1&amp;b=2&#38;c=3&#x26;d=4")).toBe("/o?a=1&b=2&c=3&d=4");
    expect(decodeHtmlAttribute("/o?x=1&lt=5&lang=ru&copy")).toBe("/o?x=1&lt=5&lang=ru&copy");
  });

  it("sends the reader to a redirect target a browser can follow", () => {
    expect(redirectResponse("https://shöp.example/ü?q=a b").headers?.location).toBe("https://xn--shp-tna.example/%C3%BC?q=a%20b");
  });
});
