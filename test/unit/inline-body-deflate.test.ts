// Inline bodies are deflated with a window the size of the body (shared/store/inline-bodies.ts):
// less for zlib to set up per message, and the very bytes its defaults would give.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { HTML } from "../../bench/payloads.ts";
import { deflateOptions } from "../../shared/store/inline-bodies.ts";

const text = (bytes: number) => {
  const words = `${HTML} Thank you for your order #12345, [Name]. Tracking: https://example.com/t/abc?id=42 `;
  let out = "";
  for (let i = 0; out.length < bytes; i++) out += `${words.slice(i % 50)}${i} `;
  return Buffer.from(out.slice(0, bytes));
};

describe("inline body deflate", () => {
  it("gives the same bytes as zlib's defaults, for bodies of every size", () => {
    for (const bytes of [1, 100, 250, 800, 2_000, 4_000, 9_000, 20_000, 40_000, 100_000]) {
      const body = text(bytes);
      const packed = deflateRawSync(body, deflateOptions(body.length));
      expect(packed.equals(deflateRawSync(body)), `${bytes} bytes`).toBe(true);
      expect(inflateRawSync(packed).equals(body)).toBe(true);
    }
  });

  it("sets up a small window for a small body and zlib's defaults for a large one", () => {
    expect(deflateOptions(2_000)).toMatchObject({ windowBits: 12, memLevel: 6 });
    expect(deflateOptions(100_000)).toMatchObject({ windowBits: 15, memLevel: 8 });
  });
});
