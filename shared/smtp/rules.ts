// The SMTP rules (docs/smtp.md) as pure functions: which addresses a message may go to, which
// headers it keeps, what its HTML and attachments may be. They decide on a parsed message and
// the account's facts, and throw a 554 refusal with the text a client will read.
import { domainOf, isAcceptableDisplayName, isValidAddress, normalizeAddress } from "../domain/address.ts";

import { checkTemplate, TEMPLATE_PARTS, valuesFor, describeTemplateProblem } from "../render/index.ts";

import { parseHeaderLine } from "./mime-words.ts";
import type { SmtpOptions } from "./options.ts";
import { headerKind, isKept, MAX_X_HEADERS } from "../domain/headers.ts";
import { SMTP_TEXTS, smtpRefusal } from "./replies.ts";
import { ATTACHMENT_BYTES, attachmentProblem } from "../domain/file.ts";
import type { Party } from "../domain/message.ts";

export interface MailAddress {
  address: string;
  name?: string;
}

/** What the DATA of one transaction holds, as mailparser reads it. */
export interface IncomingMail {
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  /** To and Cc as header text, kept for strict mode. */
  toText?: string;
  ccText?: string;
  replyTo?: string;
  subject: string;
  html?: string;
  text?: string;
  /** The raw header lines, as text (see headerLineText). */
  headerLines: readonly { key: string; line: string }[];
  attachments: { filename: string; size: number; contentType?: string }[];
}

export interface AccountFacts {
  verifiedDomains: ReadonlySet<string>;
  allowSkipUnsubscribe: boolean;
}

export interface SmtpRuleLimits {
  cc: number;
  bcc: number;
  xHeaders: number;
  attachmentBytes: number;
  /** Attachments a message may carry: the HTTP door's LIMIT_ATTACHMENTS_PER_MESSAGE. */
  attachments: number;
}

/** A Subject's longest, in characters: the HTTP door's, a header line's limit in RFC 5322. */
export const MAX_SUBJECT_LENGTH = 998;

export const SMTP_RULE_LIMITS: SmtpRuleLimits = {
  cc: 10,
  bcc: 10,
  xHeaders: MAX_X_HEADERS,
  attachmentBytes: ATTACHMENT_BYTES,
  attachments: 50,
};

export interface DeliveryPlan {
  from: Party;
  /** One copy each, in RCPT TO order. */
  recipients: MailAddress[];
  /** Headers every copy carries besides From, To, Subject and Reply-To. */
  headers: Record<string, string>;
  replyTo?: string;
}

const invalidRecipient = (address: string) => smtpRefusal("invalid_recipient", SMTP_TEXTS.invalidRecipient(address), address);
/** `why`: what is wrong with the sender's domain, when the account has it (failed or not yet verified). */
export const disallowedSource = (address: string, why?: string) =>
  smtpRefusal("sender_not_verified", `${SMTP_TEXTS.disallowedSource(address || "<>")}${why ? ` (${why})` : ""}`, address);

/** MAIL FROM: a real address (the null sender `<>` of bounces has no business here). */
export function checkMailFrom(address: string): void {
  if (!address || !isValidAddress(address)) throw disallowedSource(address);
}

/** RCPT TO: only the address itself can be judged before the headers arrive. */
export function checkRcptTo(address: string): void {
  if (!isValidAddress(address)) throw invalidRecipient(address);
}

const lower = (address: string) => address.toLowerCase();

function checkVisible(addresses: MailAddress[]) {
  for (const { address, name } of addresses) {
    if (!isValidAddress(address) || (name && !isAcceptableDisplayName(name))) throw invalidRecipient(address || name || "");
  }
}

/** The headers passed on: up to 50 X- headers and, when unsubscribe is skipped, the List-* family. Others are removed. */
export function keptHeaders(
  headerLines: IncomingMail["headerLines"],
  options: Pick<SmtpOptions, "skipUnsubscribe">,
  maxX: number,
): Record<string, string> {
  const kept: Record<string, string> = {};
  let xCount = 0;
  const present = new Set(headerLines.map((h) => h.key.toLowerCase()));
  for (const { key, line } of headerLines) {
    const kind = headerKind(key, present);
    if (!isKept(kind, options.skipUnsubscribe)) continue;
    if (kind === "x" && ++xCount > maxX) throw smtpRefusal("too_many_x_headers", `Too many X- headers (at most ${maxX})`);
    const header = parseHeaderLine(line);
    if (!(header.name in kept)) kept[header.name] = header.value;
  }
  return kept;
}

/** `<html>` without `<body>` is refused (docs/smtp.md): clients show nothing of such a message. */
export function checkHtml(html: string | undefined): void {
  if (html && /<html[\s>]/i.test(html) && !/<body[\s>]/i.test(html)) {
    throw smtpRefusal("html_without_body", "HTML with an <html> tag must have a <body> tag");
  }
}

export function checkAttachments(attachments: IncomingMail["attachments"], maxBytes: number, maxCount: number): void {
  if (attachments.length > maxCount) throw smtpRefusal("too_many_items", `Too many attachments (at most ${maxCount})`, "attachments");
  for (const attachment of attachments) {
    const problem = attachmentProblem(attachment, maxBytes);
    if (problem?.key === "attachment_type_not_allowed")
      throw smtpRefusal(problem.key, SMTP_TEXTS.attachmentType(problem.extension), attachment.filename);
    if (problem) throw smtpRefusal(problem.key, `Attachment exceeds fixed size limit: ${attachment.filename}`, attachment.filename);
  }
}

/**
 * Every part that is a template, checked and rendered as delivery will do it with the values of
 * the first copy (each To name with its own copy's), so a template delivery would refuse is
 * refused now, with where and why.
 */
function checkTemplates(options: SmtpOptions, mail: IncomingMail, sender: MailAddress, recipients: MailAddress[]) {
  if (options.templateEngine === "none") return;
  const valuesOf = (to: MailAddress) => valuesFor(to, options.substitutions, options.structuredFields);
  const first = valuesOf(recipients[0] ?? { address: "" });
  const parts: [string, string | undefined, boolean, Record<string, unknown>][] = [
    [TEMPLATE_PARTS.subject, mail.subject, false, first],
    [TEMPLATE_PARTS.html, mail.html, true, first],
    [TEMPLATE_PARTS.text, mail.text, false, first],
    [TEMPLATE_PARTS.fromName, sender.name, false, first],
    ...recipients.map((to): [string, string | undefined, boolean, Record<string, unknown>] => [
      TEMPLATE_PARTS.toName,
      to.name,
      false,
      valuesOf(to),
    ]),
  ];
  for (const [part, template, html, values] of parts) {
    const problem = template ? checkTemplate(options.templateEngine, template, values, html) : undefined;
    if (problem) throw smtpRefusal("invalid_template", `Invalid template ${describeTemplateProblem(problem, part)}`, part);
  }
}

/**
 * Who gets a copy, and what every copy carries. Copies go to the RCPT TO addresses (the envelope
 * is what the client asked to deliver); the headers say which of them are allowed: an address
 * in To or CC, or one on the account's own verified domains (which is how BCC arrives).
 */
export function planDelivery(
  mail: IncomingMail,
  rcptTo: string[],
  options: SmtpOptions,
  facts: AccountFacts,
  limits: SmtpRuleLimits = SMTP_RULE_LIMITS,
): DeliveryPlan {
  const sender = mail.from[0];
  if (!sender) throw smtpRefusal("missing_from", "Message has no From header");
  if (!isValidAddress(sender.address)) throw disallowedSource(sender.address);
  if (options.skipUnsubscribe && !facts.allowSkipUnsubscribe) {
    throw smtpRefusal("skip_unsubscribe_not_allowed", "skip_unsubscribe is not allowed for this account", "skip_unsubscribe");
  }

  checkVisible(mail.to);
  checkVisible(mail.cc);
  if (mail.cc.length > limits.cc) throw smtpRefusal("too_many_cc", `Too many CC addresses (at most ${limits.cc})`);
  const ownDomain = (address: string) => facts.verifiedDomains.has(domainOf(address));
  for (const { address } of mail.bcc) if (!isValidAddress(address) || !ownDomain(address)) throw invalidRecipient(address);

  const visible = new Set([...mail.to, ...mail.cc].map((a) => lower(a.address)));
  const hidden = new Set(mail.bcc.map((a) => lower(a.address)));
  const recipients: MailAddress[] = [];
  const seen = new Set<string>();
  for (const address of rcptTo) {
    const key = lower(address);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!isValidAddress(address)) throw invalidRecipient(address);
    if (!visible.has(key)) {
      if (!ownDomain(address)) throw invalidRecipient(address);
      hidden.add(key);
    }
    const named = [...mail.to, ...mail.cc, ...mail.bcc].find((a) => lower(a.address) === key && a.name);
    recipients.push({ address: normalizeAddress(address), name: named?.name || undefined });
  }
  if (hidden.size > limits.bcc) throw smtpRefusal("too_many_bcc", `Too many BCC addresses (at most ${limits.bcc})`);

  if (mail.subject.length > MAX_SUBJECT_LENGTH) {
    throw smtpRefusal("too_long", `Subject is too long (at most ${MAX_SUBJECT_LENGTH} characters)`, "subject");
  }
  checkHtml(mail.html);
  checkAttachments(mail.attachments, limits.attachmentBytes, limits.attachments);
  checkTemplates(options, mail, sender, recipients);

  const headers = keptHeaders(mail.headerLines, options, limits.xHeaders);
  if (options.strict) {
    // Relayed as standard SMTP: every copy shows the To and Cc the client wrote.
    if (mail.toText) headers.To = mail.toText;
    if (mail.ccText) headers.Cc = mail.ccText;
  }
  return {
    from: { address: normalizeAddress(sender.address), name: sender.name || undefined },
    recipients,
    headers,
    replyTo: mail.replyTo,
  };
}
