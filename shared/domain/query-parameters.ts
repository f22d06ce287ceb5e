// Reading a query string the same way on every read route: an unknown parameter, a bad value or
// a limit out of range is a 400 that names the parameter (docs/http-api.md, errors).
import { AppError, type ReasonKey } from "./errors.ts";

export type Query = Record<string, string | undefined>;

export const refuse = (ref: string, key: ReasonKey, message: string) =>
  new AppError("validation_error", { message, reasons: [{ key, ref }] });

/** Refuses the first parameter that is not one of `known` (a typo would otherwise filter nothing). */
export function onlyKnown(query: Query, known: readonly string[]) {
  for (const name of Object.keys(query)) {
    if (!known.includes(name)) throw refuse(name, "unknown_parameter", `Unknown parameter ${name}: expected one of ${known.join(", ")}`);
  }
}

/**
 * The values of a repeatable parameter. API Gateway hands a parameter given several times as
 * one value joined with commas (the local gateway does the same), so `a=1&a=2` and `a=1,2` read alike.
 */
export const valuesOf = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

export function parseLimit(value: string | undefined, options: { fallback: number; max: number }): number {
  if (value === undefined) return options.fallback;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > options.max)
    throw refuse("limit", "invalid_value", `limit must be a whole number from 1 to ${options.max}`);
  return limit;
}

/** An instant: ISO 8601 with a zone (`2026-03-01T10:00:00Z`, `...+03:00`) or epoch milliseconds. */
export function parseInstant(value: string, ref: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw refuse(ref, "invalid_date", `${ref} must be an ISO 8601 time with its zone (2026-03-01T10:00:00Z) or epoch milliseconds`);
  return ms;
}
