// POST /email/3/send: the form read, the files stored, then the one accept path every door uses
// (same checks, limits, statuses and webhooks), answered in Infobip's shape: the request's bulkId
// and one entry per recipient with its messageId and status. All or nothing: any refusal comes
// before a message is recorded.
import type { Caller } from "../domain/account.ts";
import { AppError } from "../domain/errors.ts";
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

export async function infobipSend(deps: InfobipSendDeps, caller: Caller, form: Form) {
  const { submission, files, templateId, sendAt } = parseInfobipSend(
    form,
    { ...deps.config.limits, attachmentBytes: deps.attachmentBytes },
    { urlMode: deps.config.mode },
  );
  if (templateId !== undefined) {
    throw new AppError("validation_error", {
      message: "templateId is not supported on this door yet: send subject with html or text",
      reasons: [{ key: "not_supported", ref: "templateId" }],
    });
  }
  if (sendAt !== undefined) {
    throw new AppError("validation_error", {
      message: "sendAt is not supported on this door yet",
      reasons: [{ key: "not_supported", ref: "sendAt" }],
    });
  }
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
  let accepted: Awaited<ReturnType<typeof acceptSubmission>>;
  try {
    accepted = await acceptSubmission(deps, caller, submission);
  } catch (error) {
    throw inInfobipTerms(error);
  }
  return {
    bulkId: submissionOf(accepted[0].messageId)?.submissionId ?? accepted[0].messageId,
    messages: accepted.map((r) => ({ to: r.address, messageId: r.messageId, status: statusFor(r.status) })),
  };
}
