// POST /email/3/send (docs/moving-from-infobip.md): Infobip's form fields read into one
// Submission. Anything wrong fails the whole request with the field named, so nothing is partly
// accepted; a field Posthaste does not know or cannot honour is refused by name, never ignored.
import { isAcceptableDisplayName, isValidAddress, normalizeAddress } from "../domain/address.ts";
import { AppError, type Reason } from "../domain/errors.ts";
import { attachmentProblem, cleanFilename, type NewFile } from "../domain/file.ts";
import { CALLBACK_DATA_FIELD, INTERMEDIATE_REPORT_FIELD, NOTIFY_URL_FIELD } from "../domain/infobip.ts";
import type { Party } from "../domain/message.ts";
import { DEFAULT_OPTIONS, type Submission, type SubmissionRecipient } from "../domain/submission.ts";
import { urlSyntaxProblem, type UrlPolicyMode } from "../webhooks/index.ts";
import type { Form } from "./multipart.ts";

const TEXT_FIELDS = [
  "from",
  "to",
  "cc",
  "bcc",
  "replyTo",
  "subject",
  "text",
  "html",
  "ampHtml",
  "templateId",
  "defaultPlaceholders",
  "bulkId",
  "messageId",
  "preserveRecipients",
  "sendAt",
  "track",
  "trackClicks",
  "trackOpens",
  "trackingUrl",
  "notifyUrl",
  "notifyContentType",
  "callbackData",
  "intermediateReport",
  "headers",
] as const;
const FILE_FIELDS = ["attachment", "inlineImage"] as const;
const REPEATABLE = new Set(["to", "cc", "bcc"]);
/** Recipients that are not in `to` (cc, bcc) follow the SMTP door's limit. */
const MAX_COPIES = 10;
const MAX_X_HEADERS = 50;

export interface InfobipLimits {
  recipientsPerRequest: number;
  messageBytes: number;
  attachmentBytes: number;
  attachmentsPerMessage: number;
}

export interface ParsedInfobipSend {
  submission: Submission;
  /** The files to store before accepting, with the content id an inline image is shown by. */
  files: (NewFile & { contentId?: string })[];
  templateId?: string;
  sendAt?: string;
}

const invalid = (key: Reason["key"], ref: string, message: string) =>
  new AppError("validation_error", { message, reasons: [{ key, ref }] });

/** `Jane Smith <jane@example.com>` or `jane@example.com`. */
export function parseParty(value: string, ref: string): Party {
  const match = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>]+)>\s*$/.exec(value);
  const address = (match ? match[2] : value).trim();
  const name = match?.[1]?.trim() || undefined;
  if (!isValidAddress(address)) throw invalid("invalid_address", ref, `${ref} is not a valid email address: ${value}`);
  if (name !== undefined && (!isAcceptableDisplayName(name) || name.length > 256)) {
    throw invalid("invalid_name", ref, `${ref} has a name with control characters or one of < > @ ,`);
  }
  return { address: normalizeAddress(address), name };
}

function jsonObject(value: string, ref: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // refused below
  }
  throw invalid("invalid_json", ref, `${ref} must be a JSON object`);
}

function placeholders(value: unknown, ref: string): Record<string, string> {
  if (value === undefined) return {};
  if (!value || typeof value !== "object" || Array.isArray(value)) throw invalid("invalid_type", ref, `${ref} must be an object`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === "object") throw invalid("invalid_type", `${ref}.${key}`, `${ref}.${key} must be text`);
    out[key] = v === null ? "" : String(v);
  }
  return out;
}

function flag(value: string | undefined, ref: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(true|1)$/i.test(value.trim())) return true;
  if (/^(false|0)$/i.test(value.trim())) return false;
  throw invalid("invalid_type", ref, `${ref} must be true or false`);
}

/** A recipient as `to` gives it: an address, or `{"to": "...", "placeholders": {...}}`. */
function recipientOf(value: string, ref: string): { party: Party; placeholders: Record<string, string> } {
  if (value.trim().startsWith("{")) {
    const object = jsonObject(value, ref);
    const unknown = Object.keys(object).find((key) => key !== "to" && key !== "placeholders");
    if (unknown) throw invalid("unknown_field", `${ref}.${unknown}`, `${ref}.${unknown} is not a field of a recipient (to, placeholders)`);
    if (typeof object.to !== "string") throw invalid("required", `${ref}.to`, `${ref}.to is required`);
    return { party: parseParty(object.to, `${ref}.to`), placeholders: placeholders(object.placeholders, `${ref}.placeholders`) };
  }
  return { party: parseParty(value, ref), placeholders: {} };
}

/** `headers`: a JSON object of extra headers; only X- headers, as on the SMTP door. */
function extraHeaders(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const object = jsonObject(value, "headers");
  const entries = Object.entries(object);
  if (entries.length > MAX_X_HEADERS) throw invalid("too_many_x_headers", "headers", `headers may hold at most ${MAX_X_HEADERS} headers`);
  const out: Record<string, string> = {};
  for (const [name, v] of entries) {
    if (!/^X-[!#$%&'*+.^_`|~0-9A-Za-z-]+$/i.test(name)) {
      throw invalid("invalid_key", `headers.${name}`, `headers.${name}: only X- headers may be added`);
    }
    if (typeof v !== "string" || /[\r\n\u0000]/.test(v))
      throw invalid("invalid_type", `headers.${name}`, `headers.${name} must be one line of text`);
    out[name] = v;
  }
  return out;
}

export function parseInfobipSend(form: Form, limits: InfobipLimits, options: { urlMode: UrlPolicyMode }): ParsedInfobipSend {
  const fields = new Map(form.fields);
  // A body part sent as a file (curl -F html=@mail.html) is read as its text.
  for (const file of form.files) {
    if ((FILE_FIELDS as readonly string[]).includes(file.field)) continue;
    fields.set(file.field, [...(fields.get(file.field) ?? []), file.content.toString("utf8")]);
  }
  for (const [name, values] of fields) {
    if (!(TEXT_FIELDS as readonly string[]).includes(name)) {
      if ((FILE_FIELDS as readonly string[]).includes(name))
        throw invalid("invalid_type", name, `${name} must be a file part (with a filename)`);
      throw invalid("unknown_field", name, `${name} is not a field of this request`);
    }
    if (values.length > 1 && !REPEATABLE.has(name))
      throw invalid("duplicate", name, `${name} is given ${values.length} times: give it once`);
  }
  const one = (name: (typeof TEXT_FIELDS)[number]) => fields.get(name)?.[0];
  const all = (name: (typeof TEXT_FIELDS)[number]) => fields.get(name) ?? [];

  // What Posthaste does not do is said, not skipped.
  if (one("ampHtml") !== undefined) throw invalid("not_supported", "ampHtml", "ampHtml is not supported: send html and text");
  if (one("messageId") !== undefined) {
    throw invalid(
      "not_supported",
      "messageId",
      "messageId is assigned by Posthaste, one per recipient: leave it out and read it from the answer",
    );
  }
  if (one("bulkId") !== undefined) {
    throw invalid("not_supported", "bulkId", "bulkId is assigned by Posthaste, one per request: leave it out and read it from the answer");
  }
  if (flag(one("preserveRecipients"), "preserveRecipients")) {
    throw invalid(
      "not_supported",
      "preserveRecipients",
      "preserveRecipients=true is not supported: each recipient gets a copy addressed to them alone",
    );
  }
  if (one("trackingUrl") !== undefined) {
    throw invalid(
      "not_supported",
      "trackingUrl",
      "trackingUrl is not supported: opens and clicks are posted to your webhooks (POST /webhooks)",
    );
  }
  const contentType = one("notifyContentType");
  if (contentType !== undefined && contentType.trim().toLowerCase() !== "application/json") {
    throw invalid("not_supported", "notifyContentType", "notifyContentType must be application/json: reports are posted as JSON");
  }

  const fromValue = one("from");
  if (!fromValue) throw invalid("required", "from", "from is required");
  const from = parseParty(fromValue, "from");
  const replyToValue = one("replyTo");
  const replyTo = replyToValue === undefined ? undefined : parseParty(replyToValue, "replyTo").address;

  const to = all("to").map((value, i) => recipientOf(value, `to[${i}]`));
  if (to.length === 0) throw invalid("required", "to", "to is required");
  const cc = all("cc").map((value, i) => parseParty(value, `cc[${i}]`));
  const bcc = all("bcc").map((value, i) => parseParty(value, `bcc[${i}]`));
  if (cc.length > MAX_COPIES) throw invalid("too_many_cc", "cc", `cc may hold at most ${MAX_COPIES} addresses`);
  if (bcc.length > MAX_COPIES) throw invalid("too_many_bcc", "bcc", `bcc may hold at most ${MAX_COPIES} addresses`);
  if (to.length + cc.length + bcc.length > limits.recipientsPerRequest) {
    throw invalid("too_many_items", "to", `A request may have at most ${limits.recipientsPerRequest} recipients (to, cc and bcc together)`);
  }

  const templateId = one("templateId");
  const subject = one("subject");
  const text = one("text") || undefined;
  const html = one("html") || undefined;
  if (templateId === undefined) {
    if (!subject) throw invalid("required", "subject", "subject is required");
    if (!text && !html) throw invalid("body_required", "text", "text or html is required");
  }
  if ((subject ?? "").length > 998) throw invalid("too_long", "subject", "subject is longer than 998 characters");

  const defaults = placeholders(
    one("defaultPlaceholders") === undefined ? undefined : jsonObject(one("defaultPlaceholders")!, "defaultPlaceholders"),
    "defaultPlaceholders",
  );

  const notifyUrl = one("notifyUrl");
  if (notifyUrl !== undefined) {
    const problem = urlSyntaxProblem(notifyUrl, options.urlMode);
    if (problem)
      throw invalid(
        problem,
        "notifyUrl",
        `notifyUrl ${problem === "invalid_url" ? "is not a valid http(s) URL" : "points at an address webhooks may not reach"}`,
      );
  }
  const callbackData = one("callbackData");
  if (callbackData !== undefined && callbackData.length > 4000)
    throw invalid("too_long", "callbackData", "callbackData is longer than 4000 characters");
  const intermediateReport = flag(one("intermediateReport"), "intermediateReport");
  const extraData: Record<string, string> = {
    ...(notifyUrl ? { [NOTIFY_URL_FIELD]: notifyUrl } : {}),
    ...(callbackData !== undefined ? { [CALLBACK_DATA_FIELD]: callbackData } : {}),
    ...(intermediateReport ? { [INTERMEDIATE_REPORT_FIELD]: "true" } : {}),
  };

  const track = flag(one("track"), "track");
  const trackOpens = flag(one("trackOpens"), "trackOpens") ?? track ?? DEFAULT_OPTIONS.trackOpens;
  const trackLinks = flag(one("trackClicks"), "trackClicks") ?? track ?? DEFAULT_OPTIONS.trackLinks;

  const files = form.files.filter((file) => (FILE_FIELDS as readonly string[]).includes(file.field));
  if (files.length > limits.attachmentsPerMessage) {
    throw invalid(
      "too_many_items",
      "attachment",
      `A message may have at most ${limits.attachmentsPerMessage} attachments and inline images`,
    );
  }
  const newFiles = files.map((file, i) => {
    const filename = cleanFilename(file.filename, `${file.field}-${i + 1}`);
    const problem = attachmentProblem({ filename, size: file.content.length, contentType: file.contentType }, limits.attachmentBytes);
    if (problem?.key === "attachment_type_not_allowed") {
      throw invalid(problem.key, file.field, `${file.field} ${filename}: attachments of type ${problem.extension} are not allowed`);
    }
    if (problem) throw invalid(problem.key, file.field, `${file.field} ${filename} is over the limit of ${problem.limit} bytes`);
    // Infobip's HTML shows an inline image as cid:<its file name>.
    return {
      filename,
      contentType: file.contentType,
      content: file.content,
      ...(file.field === "inlineImage" ? { contentId: filename } : {}),
    };
  });
  const size =
    Buffer.byteLength(subject ?? "") +
    Buffer.byteLength(html ?? "") +
    Buffer.byteLength(text ?? "") +
    newFiles.reduce((sum, file) => sum + file.content.length, 0);
  if (size > limits.messageBytes) {
    throw invalid("message_too_large", "attachment", `Message with its attachments exceeds the size limit of ${limits.messageBytes} bytes`);
  }

  const recipient = (party: Party, own: Record<string, string>, index: number): SubmissionRecipient => ({
    index,
    address: party.address,
    name: party.name,
    mergeFields: { ...defaults, ...own },
    extraData,
  });
  const recipients = [
    ...to.map((r, i) => recipient(r.party, r.placeholders, i)),
    ...[...cc, ...bcc].map((party, i) => recipient(party, {}, to.length + i)),
  ];

  return {
    submission: {
      from,
      subject: subject ?? "",
      html,
      text,
      replyTo,
      headers: extraHeaders(one("headers")),
      recipients,
      // Infobip does not send to addresses on its suppression lists: neither does this door.
      checkSuppression: true,
      // {{name}} placeholders are the simple engine's syntax.
      options: { ...DEFAULT_OPTIONS, trackOpens, trackLinks, templateEngine: "simple" },
    },
    files: newFiles,
    templateId,
    sendAt: one("sendAt"),
  };
}
