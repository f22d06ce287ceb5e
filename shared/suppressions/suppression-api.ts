// The suppression list API (docs/suppressions.md): get one address, list by cause and date, add, delete.
// Always the caller's own account; a project key works on its account's list, which is the
// one list that sending checks.
import * as z from "zod/mini";
import { isValidAddress } from "../domain/address.ts";
import { AppError, type ReasonKey } from "../domain/errors.ts";
import { parseOrThrow } from "../domain/reasons.ts";
import type { SuppressionStore } from "../store/suppressions.ts";
import { SUPPRESSION_CAUSES, type Suppression, type SuppressionCause } from "../domain/suppression.ts";

export function suppressionView(entry: Suppression) {
  return {
    Email: entry.address,
    Cause: entry.cause,
    CreatedAt: new Date(entry.createdAt).toISOString(),
    ...(entry.causeMessageId ? { MessageId: entry.causeMessageId } : {}),
    ...(entry.reason ? { Reason: entry.reason } : {}),
  };
}

const invalid = (ref: string, key: ReasonKey, message: string) => new AppError("validation_error", { message, reasons: [{ key, ref }] });

/** The `{email}` path parameter, decoded once more if the gateway left it encoded. */
export function emailParam(raw: string | undefined): string {
  let email = raw ?? "";
  if (/%[0-9a-f]{2}/i.test(email)) {
    try {
      email = decodeURIComponent(email);
    } catch {
      // keep it as it came
    }
  }
  email = email.trim();
  if (!isValidAddress(email)) throw invalid("email", "invalid_address", `${email || "The address"} is not a valid email address`);
  return email;
}

export async function getSuppression(store: SuppressionStore, accountId: string, email: string): Promise<Suppression> {
  const entry = await store.get(accountId, email);
  if (!entry)
    throw new AppError("not_found", { message: `${email} is not on the suppression list`, reasons: [{ key: "not_found", ref: "email" }] });
  return entry;
}

export interface ListQuery {
  cause?: SuppressionCause;
  since?: number;
  after?: string;
  limit?: number;
}

const isCause = (value: string): value is SuppressionCause => (SUPPRESSION_CAUSES as readonly string[]).includes(value);

export function parseListQuery(query: Record<string, string | undefined>): ListQuery {
  const result: ListQuery = {};
  if (query.cause) {
    if (!isCause(query.cause)) throw invalid("cause", "invalid_value", `cause must be one of ${SUPPRESSION_CAUSES.join(", ")}`);
    result.cause = query.cause;
  }
  if (query.since) {
    const since = /^\d+$/.test(query.since) ? Number(query.since) : Date.parse(query.since);
    if (!Number.isFinite(since)) throw invalid("since", "invalid_date", "since must be an ISO 8601 time or epoch milliseconds");
    result.since = since;
  }
  if (query.limit) {
    const limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw invalid("limit", "invalid_value", "limit must be a whole number from 1 to 1000");
    result.limit = limit;
  }
  if (query.cursor) result.after = decodeCursor(query.cursor);
  return result;
}

/** Cursors are opaque to callers: the list item's sort key, base64url-encoded. */
export const encodeCursor = (sortKey: string) => Buffer.from(sortKey, "utf8").toString("base64url");

function decodeCursor(cursor: string): string {
  const sortKey = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^\d{13}#[^\s]+$/.test(sortKey)) throw invalid("cursor", "invalid_cursor", "cursor is not one this API returned");
  return sortKey;
}

export async function listSuppressions(store: SuppressionStore, accountId: string, query: ListQuery) {
  const page = await store.list(accountId, query);
  return { Result: page.entries.map(suppressionView), ...(page.next ? { Cursor: encodeCursor(page.next) } : {}), Code: "ok" };
}

export const addSchema = z.strictObject({
  Email: z.string().check(z.trim(), z.refine(isValidAddress, { message: "invalid_address" })),
  Cause: z.optional(z.enum(SUPPRESSION_CAUSES)),
  Reason: z.optional(z.string().check(z.maxLength(500))),
});

export async function addSuppression(store: SuppressionStore, accountId: string, body: unknown): Promise<Suppression> {
  const { Email, Cause, Reason } = parseOrThrow(addSchema, body ?? {});
  return store.add(accountId, { address: Email, cause: Cause ?? "manual", reason: Reason });
}

export async function deleteSuppression(store: SuppressionStore, accountId: string, email: string) {
  if (!(await store.remove(accountId, email))) {
    throw new AppError("not_found", { message: `${email} is not on the suppression list`, reasons: [{ key: "not_found", ref: "email" }] });
  }
}
