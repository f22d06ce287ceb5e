import { describe, expect, it } from "vitest";
import { renderHtml, renderPlain, type MergeContext } from "../../shared/render/merge.ts";

const context = (fields: Record<string, string> = {}): MergeContext => ({
  fields,
  links: { unsubscribe: "https://p.test/u/m1.sig", webVersion: "https://p.test/w/m1.sig" },
  language: "en",
});

describe("merge fields", () => {
  it("substitutes [Name] in plain text and subjects", () => {
    expect(renderPlain("Hello, [Name]! Order [Order_id] ships.", context({ Name: "Иван", Order_id: "42" })).output).toBe(
      "Hello, Иван! Order 42 ships.",
    );
  });

  it("renders a missing value empty and reports it", () => {
    const rendered = renderPlain("Hi [Name], [Unknown]!", context({ Name: "Ann" }));
    expect(rendered.output).toBe("Hi Ann, !");
    expect(rendered.missing).toEqual(["Unknown"]);
  });

  it("finds only the message's own fields: [constructor], [__proto__] and [toString] are missing, not the prototype's", () => {
    const template = "a[constructor]b[__proto__]c[toString]d";
    for (const render of [renderPlain, renderHtml]) {
      const rendered = render(template, context({ Name: "Ann" }));
      expect(rendered.output).toBe("abcd");
      expect(rendered.missing).toEqual(["constructor", "__proto__", "toString"]);
    }
  });

  it("refuses a template that repeats a large value past the limit instead of building it", () => {
    const big = "x".repeat(1_000_000);
    expect(() => renderPlain("[Big]".repeat(11), context({ Big: big }))).toThrow(/substitution would add more than 10,000,000 characters/);
    expect(renderPlain("[Big]".repeat(9), context({ Big: big })).output).toHaveLength(9_000_000);
  });

  it("leaves brackets that are not macro names alone", () => {
    expect(renderPlain("See [1] and [ ] and [a b]", context()).output).toBe("See [1] and [ ] and [a b]");
  });

  it("escapes values in HTML so a merge field cannot inject markup", () => {
    expect(renderHtml("<p>[Name]</p>", context({ Name: '<script>alert("x")</script>' })).output).toBe(
      "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>",
    );
  });

  it("turns a standalone [Unsubscribe] into a link and one inside href into the URL", () => {
    const standalone = renderHtml("<p>Bye</p>[Unsubscribe]", context());
    expect(standalone.output).toBe('<p>Bye</p><a href="https://p.test/u/m1.sig">Unsubscribe</a>');
    expect(standalone.hasUnsubscribe).toBe(true);
    expect(renderHtml('<a href="[Unsubscribe]">leave</a> <a href="[WebVersion]">web</a>', context()).output).toBe(
      '<a href="https://p.test/u/m1.sig">leave</a> <a href="https://p.test/w/m1.sig">web</a>',
    );
  });

  it("puts bare URLs for the reserved macros in plain text", () => {
    expect(renderPlain("Leave: [Unsubscribe]\nWeb: [WebVersion]", context()).output).toBe(
      "Leave: https://p.test/u/m1.sig\nWeb: https://p.test/w/m1.sig",
    );
  });
});
