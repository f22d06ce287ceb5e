// JSON.parse with an error that says where the body broke, as line, column and offset.
import { AppError } from "../domain/errors.ts";
import { jsonErrorOffset } from "./json-position.ts";

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const position = jsonErrorOffset(text);
    const found = position >= text.length ? "end of input" : JSON.stringify(text[position]);
    throw new AppError("invalid_json", {
      message: `Request body is not valid JSON: unexpected ${found} at ${locate(text, position)}`,
      reasons: [{ key: "invalid_json", ref: `position ${position}` }],
    });
  }
}

function locate(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `line ${line}, column ${column} (position ${position})`;
}
