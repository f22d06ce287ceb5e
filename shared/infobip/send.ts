// POST /email/3/send: the form read, the files stored, then the one accept path every door uses
// (same checks, limits, statuses and webhooks), answered in Infobip's shape: the request's bulkId
// and one entry per recipient with its messageId and status. All or nothing: any refusal comes
// before a message is recorded.
import type { Caller } from "../domain/account.ts";
import { AppError, type Reason } from "../domain/errors.ts";
import { latestSendAt, parseSendAt, sendAtProblem } from "../domain/schedule.ts";
import type { TemplateStore } from "../store/templates.ts";
import { templateBody, templateForMessage } from "../templates/index.ts";
import { submissionOf } from "../domain/ids.ts";
import type { Config } from "../config.ts";
import type { FileStore } from "../files/attachments.ts";
import { acceptSubmission, type AcceptDeps } from "../accept/index.ts";
import type { Form } from "./multipart.ts";
import { parseInfobipSend } from "./send-request.ts";
import { statusFor } from "../domain/infobip.ts";

export interface InfobipSendDeps extends AcceptDeps {
  config: Pick<Config, "limits" | "mode">;
  files: Pick<FileStore, "putMany" | "toRef">;
  templates: Pick<TemplateStore, "get">;
  /** One file's limit (LIMIT_ATTACHMENT_BYTES, the same as the SMTP door's). */
  attachmentBytes: number;
}

/** The accept path names the native API's fields; this door answers with its own. */
const FIELD_NAMES: Record<string, string> = { "Sender.Address": "from", Subject: "subject", Body: "text", AttachmentsIds: "attachment" };

function inInfobipTerms(error: unknown): unknown {
  if (!(error instanceof AppError) || !error.reasons.some((r) => r.ref && FIELD_NAMES[r.ref])) return error;
  return new AppError(error.code, {
    message: error.message,
    headers: error.headers,
    reasons: error.reasons.map((r) => (r.ref && FIELD_NAMES[r.ref] ? { ...r, ref: FIELD_NAMES[r.ref] } : r)),
  });
}

const refusal = (key: Reason["key"], ref: string, message: string) =>
  new AppError("validation_error", { message, reasons: [{ key, ref }] });

/** sendAt: ISO 8601 with its offset (Infobip's `2026-12-01T18:00:00.000+0100` too), up to 30 days ahead. */
function sendAtOf(text: string, now: number, latest: number): number {
  const at = parseSendAt(text);
  if (at === undefined)
    throw refusal("invalid_date", "sendAt", "sendAt must be a date and time with its offset, such as 2026-12-01T18:00:00.000+0100");
  const problem = sendAtProblem(at, now, latest);
  if (problem) throw refusal("send_at_out_of_range", "sendAt", `sendAt ${problem}`);
  return at;
}

export async function infobipSend(deps: InfobipSendDeps, caller: Caller, form: Form, now = Date.now()) {
  const { submission, files, templateId, sendAt } = parseInfobipSend(
    form,
    { ...deps.config.limits, attachmentBytes: deps.attachmentBytes },
    { urlMode: deps.config.mode },
  );
  if (templateId !== undefined) {
    // The template's body parts and engine; the request's subject stands, else the template's.
    const template = await templateForMessage(deps.templates, caller, templateId, {
      fields: { templateId: "templateId", engine: "templateId" },
    });
    const body = templateBody(template, submission.subject);
    if (!body.subject) throw refusal("required", "subject", `subject is required: template ${templateId} has none`);
    Object.assign(submission, { subject: body.subject, html: body.html, text: body.text });
    submission.options.templateEngine = body.engine;
  }
  // Checked before a file is stored; checked again below with the stored files' lifetimes.
  const at = sendAt === undefined ? undefined : sendAtOf(sendAt, now, latestSendAt(now));
  // Refused before a file is stored: an unverified sender leaves nothing behind.
  if (!(await deps.accountCache.isVerifiedSender(caller.accountId, submission.from.address))) {
    throw new AppError("validation_error", {
      message: `from ${submission.from.address} is not on a verified domain of this account`,
      reasons: [{ key: "sender_not_verified", ref: "from" }],
    });
  }
  if (files.length > 0) {
    const stored = await deps.files.putMany(caller, files);
    submission.attachments = stored.map((record, i) => ({
      ...deps.files.toRef(record),
      ...(files[i].contentId ? { contentId: files[i].contentId } : {}),
    }));
  }
  if (at !== undefined) {
    const latest = latestSendAt(
      now,
      (submission.attachments ?? []).map((ref) => ref.expiresAt),
    );
    submission.sendAt = sendAtOf(sendAt!, now, latest);
    submission.latestSendAt = latest;
  }
  let accepted: Awaited<ReturnType<typeof acceptSubmission>>;
  try {
    accepted = await acceptSubmission(deps, caller, submission, now);
  } catch (error) {
    throw inInfobipTerms(error);
  }
  return {
    bulkId: submissionOf(accepted[0].messageId)?.submissionId ?? accepted[0].messageId,
    messages: accepted.map((r) => ({ to: r.address, messageId: r.messageId, status: statusFor(r.status) })),
  };
}
