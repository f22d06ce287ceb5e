// JSON.parse with an error that says where the body broke, as line, column and offset.
import { AppError } from "../domain/errors.ts";

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = (error as Error).message;
    const position = Number(/position (\d+)/.exec(detail)?.[1] ?? (/Unexpected end/.test(detail) ? text.length : NaN));
    const where = Number.isNaN(position) ? "" : ` at ${locate(text, position)}`;
    throw new AppError("invalid_json", {
      message: `Request body is not valid JSON${where}: ${detail.replace(/\s*in JSON at position \d+.*$/, "")}`,
      reasons: [{ key: "invalid_json", ref: Number.isNaN(position) ? undefined : `position ${position}` }],
    });
  }
}

function locate(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `line ${line}, column ${column} (position ${position})`;
}
