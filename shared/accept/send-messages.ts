// The service behind POST /email/messages: validate, accept, and shape the Devino answer
// (docs/http-api.md). Idempotency-Key replays live here too, so a retried request sends nothing twice.
import { createHash } from "node:crypto";
import { AppError } from "../domain/errors.ts";
import type { Config } from "../config.ts";
import type { FileStore } from "../files/attachments.ts";
import type { IdempotencyStore } from "../store/idempotency.ts";

import { acceptSubmission, type AcceptDeps } from "./accept.ts";
import { attachmentsByIds } from "./attachments.ts";
import { describe, parseSendRequest } from "./http-request.ts";
import type { Caller } from "../domain/account.ts";

export interface SendAnswer {
  statusCode: number;
  body: unknown;
  replayed?: boolean;
}

interface ResultEntry {
  Index: number;
  Address: string;
  MessageId?: string;
  Code: "ok" | "validation_error";
  Status?: "ACCEPTED" | "REJECTED";
  Description?: string;
  Reasons?: { key: string; ref?: string }[];
}

export interface SendDeps extends AcceptDeps {
  config: Pick<Config, "limits" | "mode">;
  files: Pick<FileStore, "resolve" | "toRef">;
}

export async function sendMessages(deps: SendDeps, caller: Caller, input: unknown): Promise<SendAnswer> {
  const { submission, failures, attachmentIds } = parseSendRequest(input, deps.config.limits, { urlMode: deps.config.mode });
  if (attachmentIds.length > 0) {
    submission.attachments = await attachmentsByIds(deps.files, caller, attachmentIds, submission, deps.config.limits.messageBytes);
  }

  const results: ResultEntry[] = failures.map((failure) => ({
    Index: failure.index,
    Address: failure.address,
    Code: "validation_error",
    Description: describe(failure.reasons[0]),
    Reasons: failure.reasons,
  }));

  if (submission.recipients.length === 0) {
    throw new AppError("validation_error", {
      message: "No valid recipients",
      reasons: failures.flatMap((f) => f.reasons),
    });
  }

  const accepted = await acceptSubmission(deps, caller, submission);
  for (const recipient of accepted) {
    results.push({
      Index: recipient.index,
      Address: recipient.address,
      MessageId: recipient.messageId,
      Code: "ok",
      Status: recipient.status,
      ...(recipient.reason ? { Description: recipient.reason } : {}),
    });
  }
  results.sort((a, b) => a.Index - b.Index);
  return { statusCode: 200, body: { Result: results, Code: "ok" } };
}

/** Runs `send` at most once per Idempotency-Key and request body within 24 hours. */
export async function withIdempotency(
  deps: { idempotency: IdempotencyStore },
  caller: Caller,
  key: string | undefined,
  rawBody: Buffer,
  send: () => Promise<SendAnswer>,
): Promise<SendAnswer> {
  if (!key) return send();
  if (key.length > 255) {
    throw new AppError("validation_error", {
      message: "Idempotency-Key is too long",
      reasons: [{ key: "too_long", ref: "Idempotency-Key" }],
    });
  }
  const hash = createHash("sha256").update(rawBody).digest("hex");
  const claim = await deps.idempotency.claim(caller.accountId, key, hash);
  if (claim.state === "replay") return { statusCode: claim.statusCode, body: JSON.parse(claim.body), replayed: true };
  if (claim.state === "mismatch") throw new AppError("idempotency_conflict");
  if (claim.state === "in_progress") throw new AppError("idempotency_in_progress", { headers: { "retry-after": "1" } });
  try {
    const answer = await send();
    await deps.idempotency.complete(caller.accountId, key, answer.statusCode, JSON.stringify(answer.body));
    return answer;
  } catch (error) {
    // Nothing was accepted when send() threw, so a retry with the same key must be able to run.
    if (error instanceof AppError && error.code === "validation_error") {
      const answer = { Code: error.code, Description: error.message, Reasons: error.reasons };
      await deps.idempotency.complete(caller.accountId, key, error.httpStatus, JSON.stringify(answer));
    } else {
      await deps.idempotency.release(caller.accountId, key);
    }
    throw error;
  }
}
