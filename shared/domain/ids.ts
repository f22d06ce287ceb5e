import { randomBytes, randomFillSync } from "node:crypto";

const RANDOM_BYTES = 12;
/** Random bytes drawn 4 KB at a time, as crypto.randomUUID does: one call into OpenSSL per 341 ids, not one per id. */
const pool = Buffer.alloc(RANDOM_BYTES * 341);
let poolOffset = pool.length;

function randomPart(): string {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const part = pool.toString("base64url", poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return part;
}

/**
 * Time-ordered, URL-safe ids: 9 base36 characters of milliseconds, then 12 random bytes (16
 * characters) in base64url. Sorting by id sorts by creation time, which logs and the sweeper rely on.
 */
export function newId(): string {
  return Date.now().toString(36).padStart(9, "0") + randomPart();
}

const ID_LENGTH = 25;

/**
 * The id of a submission's recipient copy: the submission's id and the copy's position in base
 * 36, as SendGrid's message ids share their request's. Still time-ordered and URL-safe, and the
 * submission (where its shared records live) can be read back from it without a lookup.
 */
export const messageIdFor = (submissionId: string, position: number) => `${submissionId}${position.toString(36)}`;

/** The submission and position of a message id made by messageIdFor; undefined for an older, plain id. */
export function submissionOf(messageId: string): { submissionId: string; position: number } | undefined {
  if (messageId.length <= ID_LENGTH) return undefined;
  const position = Number.parseInt(messageId.slice(ID_LENGTH), 36);
  return Number.isSafeInteger(position) ? { submissionId: messageId.slice(0, ID_LENGTH), position } : undefined;
}

/** An API key: a prefix that says what it is, then 32 random bytes. */
export function newApiKey(): string {
  return `ph_${randomBytes(32).toString("base64url")}`;
}
