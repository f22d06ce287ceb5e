// The SMTP face of errors: every refusal of a submission is `554 Transaction failed: <text>`,
// with the reference's exact texts where it defines one (docs/smtp.md), and a precise text of
// our own for the rules it does not name. Which reply an error gets is the error table's
// (shared/domain/errors.ts), as its HTTP status is.
import { AppError, ERROR_CODES, isAppError, type ReasonKey } from "../domain/errors.ts";
import { log } from "../log.ts";

export const SMTP_TEXTS = {
  mustAuthenticate: ERROR_CODES.unauthorized.smtp.text,
  internal: "Internal server error",
  attachmentType: (extension: string) => `Not allowed attachment type ${extension}`,
  tooLarge: ERROR_CODES.payload_too_large.smtp.text,
  invalidRecipient: (address: string) => `Invalid recipient address: ${address}`,
  disallowedSource: (address: string) => `Disallowed source address: ${address}`,
} as const;

/** Reason keys of SMTP refusals: the same keys the HTTP API uses where the rule is shared. */
export type SmtpReasonKey = Extract<
  ReasonKey,
  | "invalid_recipient"
  | "sender_not_verified"
  | "attachment_type_not_allowed"
  | "attachment_too_large"
  | "message_too_large"
  | "too_many_cc"
  | "too_many_bcc"
  | "too_many_x_headers"
  | "html_without_body"
  | "missing_from"
  | "invalid_options"
  | "skip_unsubscribe_not_allowed"
  | "invalid_template"
  | "send_at_out_of_range"
  | "too_long"
  | "too_many_items"
>;

/** A refused submission: the text is what the client reads after `554 Transaction failed: `. */
export function smtpRefusal(key: SmtpReasonKey, text: string, ref?: string): AppError {
  return new AppError("validation_error", { message: text, reasons: [{ key, ref }] });
}

export interface SmtpReply {
  responseCode: number;
  message: string;
}

export const transactionFailed = (text: string): SmtpReply => ({ responseCode: 554, message: `Transaction failed: ${text}` });

/** The reply for anything a handler threw. Unknown errors are logged; their text never reaches the client. */
export function smtpReplyFor(error: unknown, context: Record<string, unknown> = {}): SmtpReply {
  if (isAppError(error)) {
    const face = error.smtp;
    if (face.reply === "transaction_failed") return transactionFailed("text" in face ? face.text : error.message);
    if (face.reply === "code") return { responseCode: face.code, message: face.text };
  }
  log.error("smtp transaction failed", { ...context, error: error instanceof Error ? error.stack : String(error) });
  return transactionFailed(SMTP_TEXTS.internal);
}

/** smtp-server sends `err.responseCode` and `err.message`. */
export function replyError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.responseCode });
}
