// Header values as clients send them (docs/smtp.md): folded over several lines and, when not ASCII,
// written as RFC 2047 encoded words (`=?UTF-8?B?...?=`), as PHP's mb_encode_mimeheader and
// most mailers do, or as raw UTF-8. mailparser decodes the standard headers; the options header
// and the X- headers we pass on are decoded here.

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A raw header line as text. mailparser hands header lines over as binary strings, one character
 * a byte; a client that takes the advertised 8BITMIME / SMTPUTF8 at their word writes non-ASCII
 * header values as raw UTF-8 (RFC 6532) instead of encoded words. Bytes that are not valid UTF-8
 * stay as they were read (Latin-1), so nothing is lost.
 */
export function headerLineText(binary: string): string {
  if (!/[\x80-\xff]/.test(binary) || /[^\x00-\xff]/.test(binary)) return binary;
  try {
    return UTF8.decode(Buffer.from(binary, "latin1"));
  } catch {
    return binary;
  }
}

/** Removes the line breaks of a folded header (RFC 5322 §2.2.3); the whitespace after them stays. */
export function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, "");
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

interface Word {
  charset: string;
  bytes: Buffer;
}

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === "B") return Buffer.from(text, "base64");
  // Q: "_" is a space, =XX a byte, everything else itself.
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "_") bytes.push(0x20);
    else if (c === "=" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

function decodeBytes(charset: string, bytes: Buffer): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString("latin1"); // an unknown charset: keep the bytes readable rather than fail
  }
}

/**
 * Decodes RFC 2047 encoded words. Whitespace between two encoded words is not part of the text
 * (§6.2), and adjacent words in one charset are joined as bytes first, because encoders may
 * split a multi-byte character across two words.
 */
export function decodeEncodedWords(value: string): string {
  let output = "";
  let pending: Word | undefined;
  let last = 0;
  const flush = () => {
    if (pending) output += decodeBytes(pending.charset, pending.bytes);
    pending = undefined;
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, match.index);
    const charset = match[1].split("*")[0].toLowerCase(); // RFC 2231 adds "*language"
    const bytes = wordBytes(match[2], match[3]);
    if (pending && /^\s*$/.test(between)) {
      if (pending.charset === charset) pending.bytes = Buffer.concat([pending.bytes, bytes]);
      else {
        flush();
        pending = { charset, bytes };
      }
    } else {
      flush();
      output += between;
      pending = { charset, bytes };
    }
    last = match.index + match[0].length;
  }
  flush();
  return output + value.slice(last);
}

/** A raw header line (`Name: value`, maybe folded) as its name and decoded value. */
export function parseHeaderLine(line: string): { name: string; value: string } {
  const colon = line.indexOf(":");
  const name = colon === -1 ? line.trim() : line.slice(0, colon).trim();
  const raw = colon === -1 ? "" : line.slice(colon + 1);
  return {
    name,
    value: decodeEncodedWords(unfold(raw))
      .replace(/[\r\n]+/g, " ")
      .trim(),
  };
}
