// The one mapping from a schema's complaints (zod issues) to reasons, so every API names the same
// problem with the same key: a missing field is `required`, a string over its limit `too_long`,
// a list over its limit `too_many_items`, whichever route it is.
import type * as z from "zod/mini";
import { isReasonKey, type Reason, type ReasonKey } from "./errors.ts";

/** Reasons for every issue: `key` a stable code, `ref` the path (`Recipients[0].Address`) after `prefix`. */
export function reasonsOf(error: z.core.$ZodError, input: unknown, prefix: string[] = []): Reason[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    return { key: keyOf(issue, valueAt(input, path)), ref: formatPath([...prefix, ...path]) || undefined };
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
