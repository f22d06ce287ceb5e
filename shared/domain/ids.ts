import { randomBytes } from "node:crypto";

/**
 * Time-ordered, URL-safe ids: 9 base36 characters of milliseconds, then 16 random bytes in
 * base64url. Sorting by id sorts by creation time, which logs and the sweeper rely on.
 */
export function newId(): string {
  return Date.now().toString(36).padStart(9, "0") + randomBytes(12).toString("base64url");
}

/** An API key: a prefix that says what it is, then 32 random bytes. */
export function newApiKey(): string {
  return `ph_${randomBytes(32).toString("base64url")}`;
}
