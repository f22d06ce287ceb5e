// The service behind POST /email/messages: validate, accept, and shape the Devino answer
// (docs/http-api.md). Idempotency-Key replays live here too, so a retried request sends nothing twice.
import { createHash } from "node:crypto";
import { AppError } from "../domain/errors.ts";
import type { Config } from "../config.ts";
import type { FileStore } from "../files/attachments.ts";
import type { IdempotencyStore } from "../store/idempotency.ts";

import { acceptSubmission, type AcceptDeps } from "./accept.ts";
import { attachmentsByIds } from "./attachments.ts";
import { checkHeaders, describe, parseSendRequest, type ParsedSendRequest } from "./http-request.ts";
import { forcesSkipUnsubscribe, maySkipUnsubscribe, type Caller } from "../domain/account.ts";
import { latestSendAt, sendAtProblem } from "../domain/schedule.ts";
import type { Submission } from "../domain/submission.ts";
import { checkTemplate, describeTemplateProblem, valuesFor } from "../render/index.ts";
import type { TemplateStore } from "../store/templates.ts";
import { templateBody, templateForMessage } from "../templates/index.ts";

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
  Status?: "ACCEPTED" | "SCHEDULED" | "REJECTED";
  Description?: string;
  Reasons?: { key: string; ref?: string }[];
}

export interface SendDeps extends AcceptDeps {
  config: Pick<Config, "limits" | "mode">;
  files: Pick<FileStore, "resolve" | "toRef">;
  templates: Pick<TemplateStore, "get">;
}

const refusal = (
  key: "skip_unsubscribe_not_allowed" | "invalid_value" | "send_at_out_of_range" | "invalid_template",
  ref: string,
  message: string,
) => new AppError("validation_error", { message, reasons: [{ key, ref }] });

export async function sendMessages(deps: SendDeps, caller: Caller, input: unknown, now = Date.now()): Promise<SendAnswer> {
  const parsed = parseSendRequest(input, deps.config.limits, { urlMode: deps.config.mode });
  const { submission, failures, attachmentIds } = parsed;
  await applyTemplate(deps, caller, parsed);
  applyUnsubscribeRights(caller, parsed);
  if (submission.headers) checkHeaders(submission.headers, submission.options.skipUnsubscribe);
  if (attachmentIds.length > 0) {
    submission.attachments = await attachmentsByIds(deps.files, caller, attachmentIds, submission, deps.config.limits.messageBytes);
  }
  if (parsed.sendAt !== undefined) {
    const latest = latestSendAt(
      now,
      (submission.attachments ?? []).map((a) => a.expiresAt),
    );
    const problem = sendAtProblem(parsed.sendAt, now, latest);
    if (problem) throw refusal("send_at_out_of_range", "SendAt", `SendAt ${problem}`);
    submission.sendAt = parsed.sendAt;
    submission.latestSendAt = latest;
  }
  checkTemplates(submission, parsed.templateId !== undefined);

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

  const accepted = await acceptSubmission(deps, caller, submission, now);
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

/**
 * TemplateId: the body parts and engine of the caller's stored template, copied into the
 * submission now. TemplateEngine: the syntax of inline bodies. Lists and objects in merge fields
 * are for Velocity only.
 */
async function applyTemplate(deps: Pick<SendDeps, "templates">, caller: Caller, parsed: ParsedSendRequest) {
  const { submission } = parsed;
  let engine = parsed.engine === "devino" ? undefined : parsed.engine;
  if (parsed.templateId !== undefined) {
    const template = await templateForMessage(deps.templates, caller, parsed.templateId, {
      engine: parsed.engine,
      fields: { templateId: "TemplateId", engine: "TemplateEngine" },
    });
    const body = templateBody(template, submission.subject);
    if (!body.subject) {
      throw new AppError("validation_error", {
        message: `Subject is required: template ${template.templateId} has none`,
        reasons: [{ key: "required", ref: "Subject" }],
      });
    }
    Object.assign(submission, { subject: body.subject, html: body.html, text: body.text });
    engine = body.engine;
  }
  if (engine) submission.options.templateEngine = engine;
  const structuredField = [...parsed.structured.values()][0]?.[0];
  if (structuredField !== undefined && engine !== "velocity") {
    throw refusal(
      "invalid_value",
      "TemplateEngine",
      `Merge field ${structuredField} is a list or an object: those need TemplateEngine velocity`,
    );
  }
}

/**
 * SkipUnsubscribe is honoured only for accounts (or projects) allowed to skip, and refused
 * otherwise, as over SMTP; an account or project set to go without the link always does.
 */
function applyUnsubscribeRights(caller: Caller, parsed: ParsedSendRequest) {
  if (parsed.skipUnsubscribe && !maySkipUnsubscribe(caller)) {
    throw refusal("skip_unsubscribe_not_allowed", "SkipUnsubscribe", "SkipUnsubscribe is not allowed for this account");
  }
  parsed.submission.options.skipUnsubscribe = parsed.skipUnsubscribe || forcesSkipUnsubscribe(caller);
}

/**
 * Every part that is a template, checked and rendered as delivery will do it with the values of
 * the first recipient, so a template delivery would refuse is refused now, with where and why.
 */
function checkTemplates(submission: Submission, fromTemplate: boolean) {
  const engine = submission.options.templateEngine;
  const first = submission.recipients[0];
  if (!engine || engine === "none" || !first) return;
  const values = valuesFor(first, first.mergeFields, first.structuredFields);
  const parts: [string, string, string | undefined, boolean][] = [
    ["Subject", "subject", submission.subject, false],
    [fromTemplate ? "TemplateId" : "Body.Html", "HTML body", submission.html, true],
    [fromTemplate ? "TemplateId" : "Body.PlainText", "text body", submission.text, false],
  ];
  for (const [ref, part, template, html] of parts) {
    const problem = template ? checkTemplate(engine, template, values, html) : undefined;
    if (problem) throw refusal("invalid_template", ref, `Invalid template ${describeTemplateProblem(problem, part)}`);
  }
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
