// One SMTP transaction turned into a submission for the one accept path (docs/architecture.md): parse the
// DATA (shared/smtp/parse.ts), read the options header, apply the SMTP rules (docs/smtp.md), store the attachments once, accept.
import type { AddressObject, ParsedMail } from "mailparser";
import { acceptSubmission, type AcceptDeps } from "../accept/index.ts";
import { templateBody, templateForMessage } from "../templates/index.ts";
import type { TemplateStore } from "../store/templates.ts";
import { FILE_RECORD_DAYS } from "../store/file-records.ts";
import { latestSendAt, sendAtProblem } from "../domain/schedule.ts";
import { forcesSkipUnsubscribe, maySkipUnsubscribe } from "../domain/account.ts";
import type { AcceptedRecipient, Submission } from "../domain/submission.ts";
import { isAppError } from "../domain/errors.ts";
import type { FileStore } from "../files/attachments.ts";

import type { AccountCache } from "../store/account-cache.ts";
import { headerLineText } from "./mime-words.ts";
import { parseMessage } from "./parse.ts";
import { findOptionsHeader, parseSmtpOptions, type SmtpOptions } from "./options.ts";
import { smtpRefusal } from "./replies.ts";
import { disallowedSource, planDelivery, SMTP_RULE_LIMITS, type IncomingMail, type MailAddress, type SmtpRuleLimits } from "./rules.ts";
import { cleanFilename } from "../domain/file.ts";
import type { Caller } from "../domain/account.ts";

export interface IngestDeps extends AcceptDeps {
  files: Pick<FileStore, "putMany" | "toRef">;
  accountCache: Pick<AccountCache, "isVerifiedSender" | "verifiedDomains" | "senderDomainProblem">;
  templates: Pick<TemplateStore, "get">;
}

export interface Transaction {
  caller: Caller;
  rcptTo: string[];
  raw: Buffer;
}

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  return [field ?? []]
    .flat()
    .flatMap((object) => object.value)
    .flatMap((entry) => (entry.group ? entry.group : [entry]))
    .map((entry) => ({ address: entry.address ?? "", name: entry.name || undefined }));
}

const headerText = (field: AddressObject | AddressObject[] | undefined) =>
  field
    ? [field]
        .flat()
        .map((o) => o.text)
        .join(", ")
    : undefined;

export function toIncomingMail(parsed: ParsedMail): IncomingMail {
  return {
    from: addresses(parsed.from),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    bcc: addresses(parsed.bcc),
    toText: headerText(parsed.to),
    ccText: headerText(parsed.cc),
    replyTo: parsed.replyTo?.text || undefined,
    subject: parsed.subject ?? "",
    html: typeof parsed.html === "string" ? parsed.html : undefined,
    text: parsed.text,
    headerLines: parsed.headerLines.map(({ key, line }) => ({ key, line: headerLineText(line) })),
    attachments: parsed.attachments.map((a, i) => ({
      filename: cleanFilename(a.filename, `attachment-${i + 1}`),
      size: a.size,
      contentType: a.contentType,
    })),
  };
}

/** Accepts one transaction; throws a refusal (AppError) that shared/smtp/replies.ts turns into a 554. */
export async function ingestTransaction(
  deps: IngestDeps,
  transaction: Transaction,
  limits: SmtpRuleLimits = SMTP_RULE_LIMITS,
): Promise<AcceptedRecipient[]> {
  const { caller } = transaction;
  const now = Date.now();
  const parsed = await parseMessage(transaction.raw);
  const mail = toIncomingMail(parsed);
  const requested = parseSmtpOptions(findOptionsHeader(mail.headerLines));
  // The account's defaults: strict relaying, and going without the unsubscribe link.
  const options: SmtpOptions = {
    ...requested,
    strict: requested.strict ?? caller.account.smtpStrict === true,
    skipUnsubscribe: requested.skipUnsubscribe || forcesSkipUnsubscribe(caller),
  };
  if (requested.templateId) await useTemplate(deps, transaction, mail, options);
  const facts = {
    verifiedDomains: await deps.accountCache.verifiedDomains(caller.accountId),
    allowSkipUnsubscribe: maySkipUnsubscribe(caller),
  };
  const plan = planDelivery(mail, transaction.rcptTo, options, facts, limits);
  if (!(await deps.accountCache.isVerifiedSender(caller.accountId, plan.from.address)))
    throw disallowedSource(plan.from.address, await deps.accountCache.senderDomainProblem(caller.accountId, plan.from.address));

  // Uploaded files are kept FILE_RECORD_DAYS: a scheduled message with attachments must go before.
  const latest = latestSendAt(now, parsed.attachments.length ? [Math.floor(now / 1000) + FILE_RECORD_DAYS * 86_400] : []);
  const sendAtRefusal = options.sendAt === undefined ? undefined : sendAtProblem(options.sendAt, now, latest);
  if (sendAtRefusal) throw smtpRefusal("send_at_out_of_range", `send_at ${sendAtRefusal}`, "send_at");

  // Stored once for every copy, like the body; the worker attaches them again from S3.
  const files = await deps.files.putMany(
    caller,
    parsed.attachments.map((a, i) => ({
      filename: mail.attachments[i].filename,
      contentType: a.contentType || "application/octet-stream",
      content: a.content,
    })),
  );

  const submission: Submission = {
    from: plan.from,
    subject: mail.subject,
    html: mail.html,
    text: mail.text ?? (mail.html === undefined ? "" : undefined),
    replyTo: plan.replyTo,
    headers: plan.headers,
    attachments: files.map(deps.files.toRef),
    recipients: plan.recipients.map((recipient, index) => ({
      index,
      address: recipient.address,
      name: recipient.name,
      mergeFields: options.substitutions,
      extraData: {},
    })),
    // Suppressed addresses are always filtered on the SMTP door (docs/suppressions.md).
    checkSuppression: true,
    options: {
      trackOpens: options.trackRead,
      trackLinks: options.trackLinks,
      language: options.language,
      skipUnsubscribe: options.skipUnsubscribe,
      templateEngine: options.templateEngine,
      ...(options.strict ? { strict: true } : {}),
      ...(options.structuredFields.length ? { structuredFields: options.structuredFields } : {}),
    },
    metadata: Object.keys(options.metadata).length ? options.metadata : undefined,
    tags: options.tags.length ? options.tags : undefined,
    ...(options.sendAt === undefined ? {} : { sendAt: options.sendAt, latestSendAt: latest }),
  };

  try {
    return await acceptSubmission(deps, caller, submission, now);
  } catch (error) {
    if (isAppError(error) && error.reasons[0]?.key === "sender_not_verified") throw disallowedSource(plan.from.address);
    throw error;
  }
}

/**
 * template_id: the mail's body becomes the template's (its Subject stays, or the template's when
 * it has none), and the template's engine is the engine of the whole message.
 */
async function useTemplate(deps: Pick<IngestDeps, "templates">, transaction: Transaction, mail: IncomingMail, options: SmtpOptions) {
  const template = await templateForMessage(deps.templates, transaction.caller, options.templateId!, {
    engine: options.explicitEngine,
    fields: { templateId: "template_id", engine: "template_engine" },
  });
  const body = templateBody(template, mail.subject);
  if (options.structuredFields.length > 0 && body.engine !== "velocity") {
    throw smtpRefusal(
      "invalid_options",
      `global_substitutions.${options.structuredFields[0]}: objects and arrays need a Velocity template; template ${template.templateId} uses ${body.engine}`,
      "global_substitutions",
    );
  }
  Object.assign(mail, { subject: body.subject, html: body.html, text: body.text });
  options.templateEngine = body.engine;
}
