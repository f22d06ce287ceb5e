// POST /email/messages (docs/http-api.md): the Devino-shaped body, validated with zod. Request-level
// problems fail the whole request; a bad recipient fails only its own Result entry. A field the
// API does not know is refused by name (`unknown_field`), never ignored: a typo must not send mail
// that differs from what the sender meant.
// zod/mini: the same checks and issues as the classic API, at a thirtieth of the bundle size.
import * as z from "zod/mini";
import { isAcceptableDisplayName, isValidAddress, normalizeAddress } from "../domain/address.ts";
import { AppError, type Reason } from "../domain/errors.ts";
import { headerKind, isHeaderName, isKept, MAX_X_HEADERS } from "../domain/headers.ts";
import { describeReason, invalidRequest, reasonsOf } from "../domain/reasons.ts";
import { parseSendAt } from "../domain/schedule.ts";
import { DEFAULT_OPTIONS, type Submission, type SubmissionRecipient } from "../domain/submission.ts";
import { areUnique, hasControlCharacters, isAcceptableTag, MAX_TAGS } from "../domain/tags.ts";

import { urlSyntaxProblem, type UrlPolicyMode } from "../webhooks/index.ts";
import { LANGUAGES } from "../domain/language.ts";

const scalar = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));
const stringMap = z.record(z.string(), scalar);

/**
 * Devino's type table gives MergeFields and ExtraData as strings of "key": "value" pairs: a JSON
 * object in a string (with or without its braces) is read as that object.
 */
const objectFromJsonText = z.transform((value: unknown, context) => {
  if (typeof value !== "string") return value;
  const text = value.trim();
  for (const candidate of text.startsWith("{") ? [text] : [`{${text}}`]) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
    } catch {
      // refused below
    }
  }
  context.issues.push({ code: "custom", message: "invalid_json", input: value });
  return z.NEVER;
});

/** A merge field's value: text (numbers and booleans as text), or, for Velocity, a list or an object. */
const mergeValue = z.union([
  scalar,
  z.pipe(
    z.null(),
    z.transform(() => ""),
  ),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
]);
const mergeFields = z.pipe(objectFromJsonText, z.record(z.string(), mergeValue));

const address = z.string().check(z.trim(), z.refine(isValidAddress, { message: "invalid_address" }));
/** true/false, or 1/0 as in the SMTP options header. */
const flag = z.pipe(
  z.union([z.boolean(), z.literal(0), z.literal(1)]),
  z.transform((v: boolean | 0 | 1) => Boolean(v)),
);
// Refused as the SMTP door refuses them in To and CC: control characters and < > @ ,.
const name = z.optional(z.string().check(z.maxLength(256), z.refine(isAcceptableDisplayName, { message: "invalid_name" })));

export const recipientSchema = z.strictObject({
  Address: address,
  Name: name,
  MergeFields: z.optional(mergeFields),
  ExtraData: z.optional(
    z.pipe(
      objectFromJsonText,
      stringMap.check(
        z.refine((data) => data.callbackUrl === undefined || !urlSyntaxProblem(data.callbackUrl, "local"), {
          message: "invalid_url",
          path: ["callbackUrl"],
        }),
      ),
    ),
  ),
});

/** HTTP's names of the template engines; "devino" is the API's own `[Name]` merge fields, the default. */
export const HTTP_ENGINES = ["devino", "simple", "velocity"] as const;

const buildRequestSchema = (maxRecipients: number, maxAttachments: number) =>
  z.strictObject({
    Recipients: z.array(z.unknown()).check(z.minLength(1), z.maxLength(maxRecipients)),
    CheckUnsubscription: z.optional(z.boolean()),
    Sender: z.strictObject({ Address: address, Name: name }),
    // Required unless a template gives one: checked below.
    Subject: z.optional(z.string().check(z.minLength(1), z.maxLength(998))),
    Body: z.optional(
      z
        .strictObject({ Html: z.optional(z.string()), PlainText: z.optional(z.string()) })
        .check(z.refine((body) => !!body.Html || !!body.PlainText, { message: "body_required" })),
    ),
    // Devino's type table says integers; file ids are text, so a number is taken as its digits.
    AttachmentsIds: z.optional(
      z
        .array(z.union([z.string().check(z.minLength(1)), z.pipe(z.int().check(z.nonnegative()), z.transform(String))]))
        .check(z.maxLength(maxAttachments)),
    ),
    // Posthaste's additions (the SMTP X-Posthaste options in HTTP form).
    Language: z.optional(z.enum(LANGUAGES)),
    TrackRead: z.optional(flag),
    TrackLinks: z.optional(flag),
    SkipUnsubscribe: z.optional(flag),
    TemplateId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    TemplateEngine: z.optional(
      z.pipe(
        z.pipe(
          z.string(),
          z.transform((v) => v.toLowerCase()),
        ),
        z.enum(HTTP_ENGINES),
      ),
    ),
    GlobalMergeFields: z.optional(mergeFields),
    Tags: z.optional(
      z
        .array(z.string().check(z.refine(isAcceptableTag, { message: "invalid_tag" })))
        .check(z.maxLength(MAX_TAGS), z.refine(areUnique, { message: "duplicate" })),
    ),
    Metadata: z.optional(z.pipe(objectFromJsonText, stringMap)),
    ReplyTo: z.optional(address),
    Headers: z.optional(z.record(z.string(), z.string())),
    SendAt: z.optional(z.string()),
  });

const requestSchemas = new Map<string, ReturnType<typeof buildRequestSchema>>();

/** The request's schema for these limits, built once: building a zod schema costs more than a request's whole parse. */
export function requestSchema(maxRecipients: number, maxAttachments: number) {
  const limits = `${maxRecipients}/${maxAttachments}`;
  const built = requestSchemas.get(limits);
  if (built) return built;
  const schema = buildRequestSchema(maxRecipients, maxAttachments);
  requestSchemas.set(limits, schema);
  return schema;
}

export type SendRequest = z.infer<ReturnType<typeof requestSchema>>;

export interface RecipientFailure {
  index: number;
  address: string;
  reasons: Reason[];
}

export interface ParsedSendRequest {
  /** Without a TemplateId, the body is the request's own; with one, the door fills it from the template. */
  submission: Submission;
  failures: RecipientFailure[];
  attachmentIds: string[];
  templateId?: string;
  /** TemplateEngine as given ("devino" is the default `[Name]` merge fields). */
  engine?: (typeof HTTP_ENGINES)[number];
  /** Fields of each recipient (global and its own) whose values are lists or objects, by recipient index. */
  structured: Map<number, string[]>;
  /** SendAt, read; whether it is a time this message may be sent at is the door's to say. */
  sendAt?: number;
  /** SkipUnsubscribe as given. */
  skipUnsubscribe: boolean;
}

// The reference example spells CheckUnsubscription with a Cyrillic "С".
const CYRILLIC_CHECK = "\u0421heckUnsubscription";

const invalid = (key: Reason["key"], ref: string, message: string) =>
  new AppError("validation_error", { message, reasons: [{ key, ref }] });

/** `urlMode: "aws"` also refuses callbackUrls at literal private addresses (DNS is checked when posting). */
export function parseSendRequest(
  input: unknown,
  limits: { recipientsPerRequest: number; messageBytes: number; attachmentsPerMessage: number },
  options: { urlMode?: UrlPolicyMode } = {},
): ParsedSendRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new AppError("validation_error", { message: "Request body must be a JSON object", reasons: [{ key: "invalid_type" }] });
  }
  const body = { ...(input as Record<string, unknown>) };
  if (CYRILLIC_CHECK in body) {
    if ("CheckUnsubscription" in body) {
      throw invalid("duplicate", CYRILLIC_CHECK, "CheckUnsubscription is given twice, once with a Cyrillic С: give it once");
    }
    body.CheckUnsubscription = body[CYRILLIC_CHECK];
    delete body[CYRILLIC_CHECK];
  }

  const parsed = requestSchema(limits.recipientsPerRequest, limits.attachmentsPerMessage).safeParse(body);
  // Subject and Body are required unless a template gives them: named with the schema's complaints.
  const missing: Reason[] =
    body.TemplateId === undefined
      ? (["Subject", "Body"] as const).filter((field) => body[field] === undefined).map((ref) => ({ key: "required", ref }))
      : [];
  if (!parsed.success) {
    const error = invalidRequest(parsed.error, body);
    throw new AppError("validation_error", { message: error.message, reasons: [...error.reasons, ...missing] });
  }
  if (missing.length > 0) {
    throw new AppError("validation_error", { message: describeReason(missing[0]), reasons: missing });
  }
  const request = parsed.data;
  const attachmentIds = request.AttachmentsIds ?? [];
  refuseRepeats(attachmentIds);

  if (request.TemplateId !== undefined && request.Body) {
    throw invalid("invalid_value", "Body", "Body and TemplateId: give one of them, a template brings its own body");
  }

  const size =
    Buffer.byteLength(request.Subject ?? "") +
    Buffer.byteLength(request.Body?.Html ?? "") +
    Buffer.byteLength(request.Body?.PlainText ?? "");
  if (size > limits.messageBytes) {
    throw invalid("message_too_large", "Body", `Message exceeds the size limit of ${limits.messageBytes} bytes`);
  }

  let sendAt: number | undefined;
  if (request.SendAt !== undefined) {
    sendAt = parseSendAt(request.SendAt);
    if (sendAt === undefined) throw invalid("invalid_date", "SendAt", describeReason({ key: "invalid_date", ref: "SendAt" }));
  }

  const globals = request.GlobalMergeFields ?? {};
  const recipients: SubmissionRecipient[] = [];
  const failures: RecipientFailure[] = [];
  const structured = new Map<number, string[]>();
  request.Recipients.forEach((raw, index) => {
    const result = recipientSchema.safeParse(raw);
    const callbackUrl = result.success ? result.data.ExtraData?.callbackUrl : undefined;
    const refusal = callbackUrl ? urlSyntaxProblem(callbackUrl, options.urlMode ?? "local") : undefined;
    if (refusal) {
      failures.push({
        index,
        address: result.data!.Address,
        reasons: [{ key: refusal, ref: `Recipients[${index}].ExtraData.callbackUrl` }],
      });
    } else if (result.success) {
      const { fields, structuredNames } = mergedFields(globals, result.data.MergeFields ?? {});
      if (structuredNames.length) structured.set(index, structuredNames);
      recipients.push({
        index,
        address: normalizeAddress(result.data.Address),
        name: result.data.Name,
        mergeFields: fields,
        extraData: result.data.ExtraData ?? {},
        ...(structuredNames.length ? { structuredFields: structuredNames } : {}),
      });
    } else {
      const address = typeof (raw as { Address?: unknown })?.Address === "string" ? (raw as { Address: string }).Address : "";
      failures.push({ index, address, reasons: reasonsOf(result.error, raw, [`Recipients[${index}]`]) });
    }
  });

  return {
    submission: {
      from: { address: normalizeAddress(request.Sender.Address), name: request.Sender.Name },
      subject: request.Subject ?? "",
      html: request.Body?.Html || undefined,
      text: request.Body?.PlainText || undefined,
      ...(request.ReplyTo ? { replyTo: normalizeAddress(request.ReplyTo) } : {}),
      ...(request.Headers ? { headers: request.Headers } : {}),
      recipients,
      checkSuppression: request.CheckUnsubscription ?? false,
      options: {
        trackOpens: request.TrackRead ?? DEFAULT_OPTIONS.trackOpens,
        trackLinks: request.TrackLinks ?? DEFAULT_OPTIONS.trackLinks,
        language: request.Language ?? DEFAULT_OPTIONS.language,
        skipUnsubscribe: request.SkipUnsubscribe ?? DEFAULT_OPTIONS.skipUnsubscribe,
      },
      ...(request.Metadata && Object.keys(request.Metadata).length ? { metadata: request.Metadata } : {}),
      ...(request.Tags?.length ? { tags: request.Tags } : {}),
    },
    failures,
    attachmentIds,
    ...(request.TemplateId !== undefined ? { templateId: request.TemplateId } : {}),
    ...(request.TemplateEngine ? { engine: request.TemplateEngine } : {}),
    structured,
    ...(sendAt !== undefined ? { sendAt } : {}),
    skipUnsubscribe: request.SkipUnsubscribe ?? false,
  };
}

/** A recipient's own merge fields over the global ones; lists and objects kept as JSON text, and named. */
function mergedFields(globals: Record<string, unknown>, own: Record<string, unknown>) {
  const fields: Record<string, string> = {};
  const structuredNames: string[] = [];
  for (const [field, value] of Object.entries({ ...globals, ...own })) {
    if (value !== null && typeof value === "object") {
      fields[field] = JSON.stringify(value);
      structuredNames.push(field);
    } else fields[field] = String(value ?? "");
  }
  return { fields, structuredNames };
}

/**
 * Headers as the SMTP door keeps them (the same rule, domain/headers.ts), but a header it would
 * remove is refused by name here rather than dropped. `skipUnsubscribe`: whether the message
 * goes without the unsubscribe link, which is when the List-* headers are the sender's own.
 */
export function checkHeaders(headers: Record<string, string>, skipUnsubscribe: boolean): void {
  const names = Object.keys(headers);
  const present = new Set(names.map((n) => n.toLowerCase()));
  const seen = new Set<string>();
  let xHeaders = 0;
  for (const headerName of names) {
    const ref = `Headers.${headerName}`;
    const lower = headerName.toLowerCase();
    if (!isHeaderName(headerName)) throw invalid("invalid_header", ref, `${ref}: a header name is printable ASCII without ":"`);
    if (seen.has(lower)) throw invalid("duplicate", ref, `${ref} is given twice`);
    seen.add(lower);
    const value = headers[headerName];
    if (hasControlCharacters(value.replace(/\t/g, " "))) {
      throw invalid("invalid_header", ref, `${ref} must not contain line breaks or other control characters`);
    }
    if (value.length > 2000) throw invalid("too_long", ref, `${ref} is longer than 2000 characters`);
    const kind = headerKind(headerName, present);
    if (kind === "x" && ++xHeaders > MAX_X_HEADERS) {
      throw invalid("too_many_x_headers", "Headers", `Too many X- headers (at most ${MAX_X_HEADERS})`);
    }
    if (isKept(kind, skipUnsubscribe)) continue;
    const why =
      kind === "structural"
        ? "is a field of the request itself (Sender, Recipients, Subject, ReplyTo)"
        : kind === "ours"
          ? "is set by Posthaste"
          : kind === "unsubscribe_skipped_only"
            ? "is allowed only when the message goes without the unsubscribe link (SkipUnsubscribe, for accounts allowed to skip)"
            : "is not allowed: only X- headers, and the List-* headers when the unsubscribe link is skipped";
    throw invalid("header_not_allowed", ref, `${ref} ${why}`);
  }
}

/** A file named twice would be attached (and read at every delivery) twice: refused, each repeat named. */
function refuseRepeats(attachmentIds: string[]) {
  const seen = new Set<string>();
  const reasons: Reason[] = [];
  attachmentIds.forEach((id, index) => {
    if (seen.has(id)) reasons.push({ key: "duplicate", ref: `AttachmentsIds[${index}]` });
    seen.add(id);
  });
  if (reasons.length > 0) throw new AppError("validation_error", { message: describeReason(reasons[0]), reasons });
}

export const describe = describeReason;
