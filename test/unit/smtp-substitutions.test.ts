// Substitutions of the SMTP options header (docs/smtp.md): {{Name}} and Velocity, applied per copy at
// compose time; missing values render empty and are reported.
import { describe, expect, it } from "vitest";

import { composeMail } from "../../shared/render/compose.ts";
import { applySmtpOptions, renderSimple, renderVelocity } from "../../shared/render/substitutions.ts";
import { sampleMessage } from "../support/fixtures.ts";
import type { StoredBody } from "../../shared/domain/body.ts";
import type { Message } from "../../shared/domain/message.ts";

function message(overrides: Partial<Message> = {}): Message {
  return sampleMessage({
    messageId: "0mwt000000abcdefghijklmnop",
    from: { address: "news@shop.example", name: "{{Shop}} team" },
    to: { address: "ivan@mail.test", name: "Ivan" },
    subject: "",
    mergeFields: { Name: "Иван", Shop: "Acme" },
    options: { trackOpens: false, trackLinks: false, language: "en", skipUnsubscribe: false, templateEngine: "simple" },
    ...overrides,
  });
}

const body = (overrides: Partial<StoredBody> = {}): StoredBody => ({
  from: { address: "news@shop.example" },
  subject: "Hi {{Name}}",
  ...overrides,
});
const settings = { publicUrl: "https://ph.test", linkSecret: "s", unsubscribeMailDomain: "u.ph.test" };

describe("the simple engine", () => {
  it("replaces {{Name}}, escaping values in HTML", () => {
    expect(renderSimple("Hi {{ Name }}", { Name: "<b>" }, true)).toEqual({ output: "Hi &lt;b&gt;", missing: [] });
    expect(renderSimple("Hi {{Name}}", { Name: "<b>" }, false).output).toBe("Hi <b>");
  });

  it("renders a missing value empty and reports it", () => {
    expect(renderSimple("Hi {{Name}}{{Other}}", { Name: "A" }, false)).toEqual({ output: "Hi A", missing: ["Other"] });
  });
});

describe("the velocity engine", () => {
  it("renders references, conditions and loops", () => {
    const result = renderVelocity(
      "Hi ${Name}! #if($vip)VIP #end#foreach($i in $items)$i.title,#end",
      { Name: "Ivan", vip: true, items: [{ title: "a" }, { title: "b" }] },
      false,
    );
    expect(result).toEqual({ output: "Hi Ivan! VIP a,b,", missing: [] });
  });

  it("renders a missing reference empty and reports it, but not loop or #set variables", () => {
    const result = renderVelocity("[$Missing]#set($x = 1)$x#foreach($i in $list)$i#end", { list: [1] }, false);
    expect(result.output).toBe("[]11");
    expect(result.missing).toEqual(["Missing"]);
  });

  it("escapes values in HTML", () => {
    expect(renderVelocity("<p>$Name</p>", { Name: "<script>" }, true).output).toBe("<p>&lt;script&gt;</p>");
  });
});

describe("hostile templates", () => {
  // From any string, __lookupGetter__ reaches Function.prototype, then Function, then code of our own.
  const exploit =
    '#set($getter = $to_email.__lookupGetter__("__proto__"))#set($functions = $getter.call($getter))' +
    'Secret: $functions.constructor("return process.env.SANDBOX_CANARY").call()';
  const velocityMessage = (overrides: Partial<Message> = {}) =>
    message({ options: { ...message().options, templateEngine: "velocity" }, ...overrides });

  it("refuses the __lookupGetter__ chain to Function instead of running it", () => {
    process.env.SANDBOX_CANARY = "canary-7f3a";
    try {
      expect(() => renderVelocity(exploit, { to_email: "ivan@mail.test" }, false)).toThrow(
        'at line 1, column 1: $to_email.__lookupGetter__("__proto__") calls a method; templates may only read values',
      );
    } finally {
      delete process.env.SANDBOX_CANARY;
    }
  });

  it.each([
    ["$x.constructor", '"constructor" is not a name templates may use'],
    ["${x.constructor.constructor}", '"constructor" is not a name templates may use'],
    ["$x.getClass()", "$x.getClass() calls a method; templates may only read values"],
    ["#if($list.size() > 0)x#end", "$list.size() calls a method; templates may only read values"],
    ["#set($a = $b.__proto__)$a", '"__proto__" is not a name templates may use'],
    ["#set($a = $b['__proto__'])$a", '"__proto__" is not a name templates may use'],
    ['#set($a = "$x.toString()")$a', "$x.toString() calls a method; templates may only read values"],
    ['${"".concat}', 'syntax error: unexpected """'],
    ["#foreach($i in [1..1000000])$i#end", "the range [1..1000000] has 1,000,000 numbers; at most 10,000 are allowed"],
    ["#parse('other.vm')", "#parse(...) is not allowed"],
    ["#evaluate('$x')", "#evaluate(...) is not allowed"],
    ["#macro(m)x#end#m()", "#macro is not allowed"],
  ])("refuses %s", (template, reason) => {
    expect(() => renderVelocity(template, { x: "text", list: ["a"], b: {} }, false)).toThrow(reason);
  });

  it("stops a string that doubles itself before it grows past the limit", () => {
    const bomb = '#set($a = "0123456789")#foreach($i in [1..20])#set($a = "$a$a")#end$a';
    expect(() => renderVelocity(bomb, {}, false)).toThrow(
      "at line 1, column 47: the template would produce more than 1,000,000 characters beyond its own length",
    );
    expect(() => renderVelocity(bomb.replace('"$a$a"', "$a + $a"), {}, false)).toThrow(
      "the template would produce more than 1,000,000 characters",
    );
  });

  it("stops loops that together run more than 10,000 times, however the ranges are made", () => {
    const hundreds = { list: Array.from({ length: 200 }, (_, i) => i), n: "100000" };
    expect(() => renderVelocity("#foreach($i in $list)#foreach($j in $list)#end#end", hundreds, false)).toThrow(
      "#foreach loops ran more than 10,000 times in all",
    );
    expect(() => renderVelocity("#foreach($i in [1..$n])#end", hundreds, false)).toThrow(
      "ranges would make more than 10,000 numbers in all ([1..100000])",
    );
  });

  it("looks up only the values given, in the simple engine too", () => {
    expect(renderSimple("a{{constructor}}b{{__proto__}}c{{toString}}d", { Name: "Ann" }, false)).toEqual({
      output: "abcd",
      missing: ["constructor", "__proto__", "toString"],
    });
    expect(renderVelocity("a$!{toName}b", { Name: "Ann" }, false).output).toBe("ab");
  });

  it("refuses at compose time, naming the part, and sends nothing of a refused template", () => {
    expect(() => composeMail(velocityMessage(), body({ html: `<html><body>${exploit}</body></html>` }), settings)).toThrow(
      /^in the HTML body at line 1, column 13: \$to_email\.__lookupGetter__/,
    );
    expect(() => composeMail(velocityMessage(), body({ subject: "#foreach($i in [1..20000])#end" }), settings)).toThrow(
      /^in the subject at line 1, column 1: /,
    );
  });
});

describe("applying the options header at compose time", () => {
  it("substitutes Subject, bodies, the From name and built-in to_email per copy", () => {
    const prepared = applySmtpOptions(message(), body({ html: "<p>{{Name}} at {{to_email}}</p>", text: "{{Name}}" }));
    expect(prepared.body.subject).toBe("Hi Иван");
    expect(prepared.body.html).toBe("<p>Иван at ivan@mail.test</p>");
    expect(prepared.body.text).toBe("Иван");
    expect(prepared.message.from.name).toBe("Acme team");
  });

  it("leaves bracketed words of SMTP mail alone but still renders [Unsubscribe]", () => {
    const { mail, missingFields } = composeMail(
      message(),
      body({ html: "<html><body><p>See [Note] and [Unsubscribe]</p></body></html>" }),
      settings,
    );
    expect(mail.html).toContain('See [Note] and <a href="https://ph.test/u/');
    expect(missingFields).toEqual([]);
  });

  it("reports substitutions the message did not supply", () => {
    const { missingFields } = composeMail(message(), body({ subject: "Hi {{Nobody}}" }), settings);
    expect(missingFields).toContain("Nobody");
  });

  it("shows the client's To list on a strict copy while the envelope stays the copy's own", () => {
    const strict = message({ options: { ...message().options, strict: true } });
    const { mail } = composeMail(strict, body({ headers: { To: "ivan@mail.test, anna@mail.test", "X-Id": "1" } }), settings);
    expect(mail.to).toEqual({ address: "ivan@mail.test, anna@mail.test" });
    expect(mail.envelope.to).toBe("ivan@mail.test");
    expect(mail.headers).not.toHaveProperty("To");
    expect(mail.headers["X-Id"]).toBe("1");
  });

  it("sends a message without an options header as written, braces and brackets alike", () => {
    const plain = message({ options: { ...message().options, templateEngine: "none" }, mergeFields: {} });
    const { mail, missingFields } = composeMail(
      plain,
      body({ subject: "[URGENT] {{not a field}}", text: "Use {{name}} in Vue. [Unsubscribe]" }),
      settings,
    );
    expect(mail.subject).toBe("[URGENT] {{not a field}}");
    expect(mail.text).toMatch(/^Use \{\{name\}\} in Vue\. https:\/\/ph\.test\/u\//);
    expect(missingFields).toEqual([]);
  });

  it("leaves HTTP messages untouched", () => {
    const http = message({ options: { trackOpens: false, trackLinks: false, language: "en", skipUnsubscribe: false } });
    const stored = body({ subject: "Hi {{Name}} [Name]" });
    const prepared = applySmtpOptions(http, stored);
    expect(prepared.body).toBe(stored);
    expect(composeMail(http, stored, settings).mail.subject).toBe("Hi {{Name}} Иван");
  });
});
