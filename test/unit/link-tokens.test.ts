import { describe, expect, it } from "vitest";
import { messageLinks, signToken, verifyToken } from "../../shared/domain/link-tokens.ts";

const SECRET = "unit-secret";

describe("signed link tokens", () => {
  it("verify with the secret and purpose they were made for", () => {
    const token = signToken(SECRET, "unsubscribe", "msg123");
    expect(verifyToken(SECRET, "unsubscribe", token)).toBe("msg123");
  });

  it("refuse an edited payload, an edited signature, another purpose and another secret", () => {
    const token = signToken(SECRET, "unsubscribe", "msg123");
    const [payload, signature] = token.split(".");
    expect(verifyToken(SECRET, "unsubscribe", `msg124.${signature}`)).toBeUndefined();
    const lastChar = signature.at(-1)!;
    for (const other of ["A", "B", "C", "D"].filter((c) => c !== lastChar)) {
      expect(verifyToken(SECRET, "unsubscribe", `${payload}.${signature.slice(0, -1)}${other}`)).toBeUndefined();
    }
    expect(verifyToken(SECRET, "click", token)).toBeUndefined();
    expect(verifyToken("other-secret", "unsubscribe", token)).toBeUndefined();
    expect(verifyToken(SECRET, "unsubscribe", "msg123")).toBeUndefined();
    expect(verifyToken(SECRET, "unsubscribe", "")).toBeUndefined();
  });

  it("build the public URLs of a message under the public base URL", () => {
    const links = messageLinks("https://mail.example.com", SECRET, "msg123");
    expect(links.unsubscribe).toMatch(/^https:\/\/mail\.example\.com\/u\/msg123\.[\w-]{22}$/);
    expect(links.webVersion).toMatch(/^https:\/\/mail\.example\.com\/w\/msg123\.[\w-]{22}$/);
    expect(links.unsubscribe.split(".").pop()).not.toBe(links.webVersion.split(".").pop());
  });
});
