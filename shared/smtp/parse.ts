// The DATA of one transaction, read as mailparser reads it, at the cost of its header block when
// the body needs no decoding. mailparser's full parse pushes every body line through a stream of
// streams (splitter, decoder, collector) and copies it several times: for a 10 KB message that was
// most of the SMTP door's own CPU. A single-part text/plain or text/html body in UTF-8 or ASCII,
// without a transfer encoding, is the body's bytes as text, line ends made "\n": exactly what
// mailparser makes of it. Every other message (multipart, attachments, quoted-printable, base64,
// another charset, format=flowed) takes the full parse, so what the door decides never changes.
import { simpleParser, type ParsedMail } from "mailparser";

const PARSER_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true };

export function fullParse(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw, PARSER_OPTIONS);
}

/**
 * Where the body starts: after the first empty line ("\n" or "\r\n", as mailparser's splitter
 * ends a header block), or -1 when the message is all header.
 */
export function bodyStart(raw: Buffer): number {
  let lineStart = 0;
  for (;;) {
    const lf = raw.indexOf(0x0a, lineStart);
    if (lf < 0) return -1;
    const length = lf + 1 - lineStart;
    if (length === 1 || (length === 2 && raw[lineStart] === 0x0d)) return lf + 1;
    lineStart = lf + 1;
  }
}

const IDENTITY_CHARSETS = new Set(["ascii", "usascii", "utf8"]);

/** "text/plain" or "text/html" when the parsed header block says the body is that text as it stands, else undefined. */
function plainTextType(head: ParsedMail): "text/plain" | "text/html" | undefined {
  const count = (name: string) => head.headerLines.filter((h) => h.key === name).length;
  if (count("content-disposition") > 0 || count("content-type") > 1 || count("content-transfer-encoding") > 1) return undefined;
  if (head.attachments.length > 0) return undefined;
  const encoding = String(head.headers.get("content-transfer-encoding") ?? "").toLowerCase();
  if (encoding.includes("quoted-printable") || encoding.includes("base64")) return undefined;
  const contentType = head.headers.get("content-type") as { value?: string; params?: Record<string, string> } | undefined;
  if (!contentType) return count("content-type") === 0 ? "text/plain" : undefined;
  const type = (contentType.value ?? "").toLowerCase().trim();
  if (type !== "text/plain" && type !== "text/html") return undefined;
  const params = contentType.params ?? {};
  const names = Object.keys(params).map((name) => name.toLowerCase());
  if (names.some((name) => name !== "charset")) return undefined; // format=flowed, name=..., anything unusual
  const charset = (params.charset ?? params.CHARSET ?? "utf-8").toLowerCase().replace(/[^a-z0-9]+/g, "");
  return IDENTITY_CHARSETS.has(charset) ? type : undefined;
}

/**
 * The message as mailparser's full parse reads it (with the door's options: no HTML-to-text, no
 * links), parsing only the header block when the body is plain text that needs no decoding.
 * `parse`: the full parse (a test counts what it is given).
 */
export async function parseMessage(raw: Buffer, parse: (bytes: Buffer) => Promise<ParsedMail> = fullParse): Promise<ParsedMail> {
  const start = bodyStart(raw);
  if (start < 0 || start === raw.length) return parse(raw);
  const head = await parse(raw.subarray(0, start));
  const type = plainTextType(head);
  if (!type) return parse(raw);
  const content = raw.toString("utf8", start).replaceAll("\r\n", "\n"); // as mailparser's /\r?\n/ -> "\n"
  // A text/html root: mailparser's text is "" beside it (its HTML-to-text is off).
  return type === "text/html" ? { ...head, html: content, text: "" } : { ...head, text: content };
}
