// The one mapping from a schema's complaints (zod issues) to reasons, so every API names the same
// problem with the same key: a missing field is `required`, a string over its limit `too_long`,
// a list over its limit `too_many_items`, a field the route does not know `unknown_field`, whichever
// route it is.
import type * as z from "zod/mini";
import { AppError, isReasonKey, type Reason, type ReasonKey } from "./errors.ts";

/** Reasons for every issue: `key` a stable code, `ref` the path (`Recipients[0].Address`) after `prefix`. */
export function reasonsOf(error: z.core.$ZodError, input: unknown, prefix: string[] = []): Reason[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // A strict object names the fields it does not know: each is its own reason, with its own path.
    if (issue.code === "unrecognized_keys")
      return issue.keys.map((key) => ({ key: "unknown_field" as const, ref: formatPath([...prefix, ...path, key]) }));
    return [{ key: keyOf(issue, valueAt(input, path)), ref: formatPath([...prefix, ...path]) || undefined }];
  });
}

/** A refine's message names its reason key (`z.refine(isValidAddress, { message: "invalid_address" })`). */
function keyOf(issue: z.core.$ZodIssue, value: unknown): ReasonKey {
  if (issue.code === "custom") return isReasonKey(issue.message) ? issue.message : "invalid";
  if (value === undefined && issue.code === "invalid_type") return "required";
  if (issue.code === "too_small") return issue.origin === "array" ? "too_few_items" : issue.origin === "string" ? "required" : "too_small";
  if (issue.code === "too_big") return issue.origin === "array" ? "too_many_items" : issue.origin === "string" ? "too_long" : "too_big";
  return isReasonKey(issue.code) ? issue.code : "invalid";
}

function valueAt(input: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined),
    input,
  );
}

function formatPath(path: string[]): string {
  return path.reduce((out, part) => (!out ? part : /^\d+$/.test(part) ? `${out}[${part}]` : `${out}.${part}`), "");
}

const DESCRIPTIONS: Partial<Record<ReasonKey, string>> = {
  required: "is required",
  invalid_type: "has the wrong type",
  invalid_value: "is not one of the allowed values",
  invalid_address: "is not a valid email address",
  invalid_url: "is not a valid http(s) URL",
  url_not_allowed: "points at an address webhooks may not reach",
  too_few_items: "must not be empty",
  too_many_items: "has too many items",
  too_long: "is too long",
  invalid_name: "must not contain control characters or any of < > @ ,",
  body_required: "must have Html or PlainText",
  unknown_field: "is not a field of this request",
  read_only: "is set by the operator, not through the API",
  invalid_tag: "must be 1 to 50 characters without control characters",
  invalid_json: "is not a JSON object",
  invalid_date: "is not an ISO 8601 time with its offset, such as 2026-03-01T10:00:00+03:00",
};

/** "Recipients[3].Address is not a valid email address" */
export function describeReason(reason: Reason | undefined): string {
  if (!reason) return "Validation error";
  const ref = reason.ref ?? "Request";
  if (reason.key === "duplicate") {
    return `${ref} ${ref.startsWith("AttachmentsIds") ? "names a file already attached" : ref === "Tags" ? "holds the same tag twice" : "is given twice"}`;
  }
  return `${ref} ${DESCRIPTIONS[reason.key] ?? `is invalid (${reason.key})`}`;
}

/** A schema's complaints as the one validation error: every reason, the first described. */
export function invalidRequest(error: z.core.$ZodError, input: unknown, prefix: string[] = []): AppError {
  const reasons = reasonsOf(error, input, prefix);
  return new AppError("validation_error", { message: describeReason(reasons[0]), reasons });
}

/** Parses `input` with `schema`, or throws the validation error naming every problem. */
export function parseOrThrow<T>(schema: z.ZodMiniType<T>, input: unknown, prefix: string[] = []): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidRequest(parsed.error, input, prefix);
  return parsed.data;
}
