import { describe, expect, it } from "vitest";
import { jsonErrorOffset } from "../../shared/http/json-position.ts";
import { parseJsonBody } from "../../shared/http/json.ts";

describe("where broken JSON breaks", () => {
  it.each([
    ['{"Recipients": [}', 16],
    ['{"a":1,}', 7],
    ['{"a":"x', 7],
    ["", 0],
    ['{"a":1} x', 8],
    ['{\n  "a": tru\n}', 12],
    ['{"a":"\\q"}', 7],
    ["[1,2", 4],
    ["{'a':1}", 1],
  ])("finds the offset in %j", (text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it("finds nothing wrong in valid JSON", () => {
    expect(jsonErrorOffset('{"a":[1,2.5e3,true,null,"\\u00e9"]}')).toBe(-1);
  });

  it("reports line and column in the error text", () => {
    expect(() => parseJsonBody('{\n  "Subject": "x",\n}')).toThrow('unexpected "}" at line 3, column 1 (position 20)');
  });
});
