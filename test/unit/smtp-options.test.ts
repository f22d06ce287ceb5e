// The options header of SMTP messages (docs/smtp.md): X-Posthaste and its alias X-UNISENDER-GO,
// MIME-encoded and folded as mailers write them.
import { describe, expect, it } from "vitest";
import { decodeEncodedWords, headerLineText, parseHeaderLine, unfold } from "../../shared/smtp/mime-words.ts";
import { DEFAULT_SMTP_OPTIONS, findOptionsHeader, parseSmtpOptions } from "../../shared/smtp/options.ts";

const header = (key: string, line: string) => ({ key: key.toLowerCase(), line });
const options = (json: unknown, name = "X-Posthaste") =>
  parseSmtpOptions({ name, value: typeof json === "string" ? json : JSON.stringify(json) });

/** How PHP's mb_encode_mimeheader writes a long UTF-8 value: base64 words, folded. */
function mimeEncodeFolded(name: string, value: string, bytesPerWord = 30): string {
  const bytes = Buffer.from(value, "utf8");
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += bytesPerWord) words.push(`=?UTF-8?B?${bytes.subarray(i, i + bytesPerWord).toString("base64")}?=`);
  return `${name}: ${words.join("\r\n ")}`;
}

describe("header value decoding", () => {
  it("unfolds a folded header, keeping the whitespace after each line break", () => {
    expect(unfold("a\r\n  b\r\n\tc")).toBe("a  b\tc");
  });

  it("decodes base64 and quoted-printable encoded words", () => {
    expect(decodeEncodedWords("=?UTF-8?B?0J/RgNC40LLQtdGC?= and =?utf-8?Q?caf=C3=A9_au_lait?=")).toBe("Привет and café au lait");
  });

  it("joins adjacent encoded words without the whitespace between them", () => {
    expect(decodeEncodedWords("=?UTF-8?Q?a?= \r\n =?UTF-8?Q?b?=")).toBe("ab");
  });

  it("rebuilds a character split across two words", () => {
    const bytes = Buffer.from("Ж");
    const split = `=?UTF-8?B?${bytes.subarray(0, 1).toString("base64")}?= =?UTF-8?B?${bytes.subarray(1).toString("base64")}?=`;
    expect(decodeEncodedWords(split)).toBe("Ж");
  });

  it("decodes other charsets named in the word", () => {
    expect(decodeEncodedWords("=?windows-1251?B?z/Do4uXy?=")).toBe("Привет");
  });

  it("splits a raw header line into its name and decoded value", () => {
    expect(parseHeaderLine("X-Note: =?UTF-8?B?0J/RgNC40LLQtdGC?=\r\n world")).toEqual({ name: "X-Note", value: "Привет world" });
  });

  it("reads raw 8-bit header bytes (mailparser's binary strings) as UTF-8, and keeps bytes that are not UTF-8 as read", () => {
    const binary = (text: string, encoding: BufferEncoding = "utf8") => Buffer.from(text, encoding).toString("latin1");
    expect(headerLineText(binary("X-Note: Иван"))).toBe("X-Note: Иван");
    expect(parseHeaderLine(headerLineText(binary("X-Note: Иван =?UTF-8?B?0J/RgNC40LLQtdGC?=")))).toEqual({
      name: "X-Note",
      value: "Иван Привет",
    });
    expect(headerLineText("X-Note: plain")).toBe("X-Note: plain");
    expect(headerLineText(binary("X-Note: café", "latin1"))).toBe("X-Note: café"); // not valid UTF-8
  });
});

describe("finding the options header", () => {
  it("reads X-UNISENDER-GO when there is no X-Posthaste", () => {
    const found = findOptionsHeader([header("X-UNISENDER-GO", 'X-UNISENDER-GO: {"strict":true}')]);
    expect(found).toEqual({ name: "X-UNISENDER-GO", value: '{"strict":true}' });
  });

  it("prefers X-Posthaste when a message carries both", () => {
    const found = findOptionsHeader([
      header("X-UNISENDER-GO", 'X-UNISENDER-GO: {"strict":true}'),
      header("X-Posthaste", 'X-Posthaste: {"strict":false}'),
    ]);
    expect(found?.name).toBe("X-Posthaste");
  });

  it("decodes a MIME-encoded, folded value longer than a header line", () => {
    const json = JSON.stringify({
      global_substitutions: { Name: "Иван Петрович", City: "Санкт-Петербург" },
      tags: ["заказ"],
      global_metadata: { order: "12345" },
    });
    const line = mimeEncodeFolded("X-UNISENDER-GO", json);
    expect(line.split("\r\n").length).toBeGreaterThan(3);

    const parsed = parseSmtpOptions(findOptionsHeader([header("X-UNISENDER-GO", line)]));

    expect(parsed.substitutions).toEqual({ Name: "Иван Петрович", City: "Санкт-Петербург" });
    expect(parsed.tags).toEqual(["заказ"]);
    expect(parsed.metadata).toEqual({ order: "12345" });
  });
});

describe("parsing options", () => {
  it("gives the defaults without a header, with no substitution at all", () => {
    expect(parseSmtpOptions(undefined)).toEqual(DEFAULT_SMTP_OPTIONS);
    expect(DEFAULT_SMTP_OPTIONS).toMatchObject({
      language: "en",
      templateEngine: "none",
      trackLinks: true,
      trackRead: true,
      skipUnsubscribe: false,
    });
    // Not strict unless the header or the account says so (shared/smtp/ingest.ts).
    expect(DEFAULT_SMTP_OPTIONS.strict).toBeUndefined();
  });

  it("uses the simple engine when a header names none", () => {
    expect(options({}).templateEngine).toBe("simple");
  });

  it("understands every option of the reference example", () => {
    const parsed = options({
      global_language: "ru",
      template_engine: "velocity",
      global_substitutions: { DiscountCode: "XMAS", Count: 3 },
      global_metadata: { "meta-campaign": "transactional" },
      track_links: 0,
      track_read: 0,
      skip_unsubscribe: 1,
      strict: true,
      tags: ["a", "b"],
    });
    expect(parsed).toEqual({
      explicitEngine: "velocity",
      language: "ru",
      templateEngine: "velocity",
      substitutions: { DiscountCode: "XMAS", Count: "3" },
      structuredFields: [],
      metadata: { "meta-campaign": "transactional" },
      trackLinks: false,
      trackRead: false,
      skipUnsubscribe: true,
      strict: true,
      tags: ["a", "b"],
    });
  });

  it("accepts flags written as booleans and strings too", () => {
    expect(options({ track_links: false, track_read: "0", strict: "true" })).toMatchObject({
      trackLinks: false,
      trackRead: false,
      strict: true,
    });
  });

  it("reads template_id and send_at, and leaves the engine to the template when template_engine is not given", () => {
    expect(options({ template_id: "37f186b3-1de2-4202-ab37-f8dd0b36ed68", send_at: "2026-03-01T10:00:00+03:00" })).toMatchObject({
      templateId: "37f186b3-1de2-4202-ab37-f8dd0b36ed68",
      sendAt: Date.parse("2026-03-01T07:00:00Z"),
    });
    expect(options({ template_id: "t1", template_engine: "velocity" }).explicitEngine).toBe("velocity");
    expect(options({ template_id: "t1" }).explicitEngine).toBeUndefined();
    expect(options({ template_id: "t1", global_substitutions: { items: [1] } }).structuredFields).toEqual(["items"]);
  });

  it("refuses a send_at that is not an ISO 8601 time with its offset", () => {
    for (const sendAt of ["tomorrow", "2026-03-01 10:00", "2026-03-01T10:00:00", 1772359200]) {
      expect(() => options({ send_at: sendAt }), String(sendAt)).toThrow(/^Invalid X-Posthaste header: send_at: /);
    }
  });

  it("refuses an option it does not know, by name, instead of ignoring it", () => {
    expect(() => options({ track_link: 0, global_metadata: { a: 1 } })).toThrow(
      "Invalid X-Posthaste header: track_link: not an option of this header",
    );
  });

  it("names the header and the reason when the value is not JSON", () => {
    expect(() => options("{strict: true", "X-UNISENDER-GO")).toThrow(/^Invalid X-UNISENDER-GO header: not valid JSON/);
    expect(() => options("[1,2]")).toThrow("Invalid X-Posthaste header: must be a JSON object");
  });

  it("names the option at fault", () => {
    expect(() => options({ global_language: "xx" })).toThrow(/global_language/);
    expect(() => options({ template_engine: "handlebars" })).toThrow(/template_engine/);
    expect(() => options({ track_links: 2 })).toThrow(/track_links/);
  });

  it("allows at most 4 unique tags of at most 50 characters", () => {
    expect(() => options({ tags: ["a", "b", "c", "d", "e"] })).toThrow(/tags/);
    expect(() => options({ tags: ["a", "a"] })).toThrow(/tags must be unique/);
    expect(() => options({ tags: ["x".repeat(51)] })).toThrow(/tags/);
    expect(options({ tags: ["x".repeat(50)] }).tags).toHaveLength(1);
    expect(() => options({ tags: ["a\r\nb"] })).toThrow(/tags.0: a tag must not contain control characters/);
  });

  it("keeps objects and arrays for Velocity as JSON and refuses them for the simple engine", () => {
    const velocity = options({ template_engine: "velocity", global_substitutions: { items: [{ name: "a" }] } });
    expect(velocity.substitutions.items).toBe('[{"name":"a"}]');
    expect(velocity.structuredFields).toEqual(["items"]);
    expect(() => options({ global_substitutions: { items: [1] } })).toThrow(/need template_engine "velocity"/);
  });
});
