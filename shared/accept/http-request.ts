// POST /email/messages (docs/http-api.md): the Devino-shaped body, validated with zod. Request-level
// problems fail the whole request; a bad recipient fails only its own Result entry.
// zod/mini: the same checks and issues as the classic API, at a thirtieth of the bundle size.
import * as z from "zod/mini";
import { isAcceptableDisplayName, isValidAddress, normalizeAddress } from "../domain/address.ts";
import { AppError, type Reason, type ReasonKey } from "../domain/errors.ts";
import { reasonsOf } from "../domain/reasons.ts";
import { DEFAULT_OPTIONS, type Submission, type SubmissionRecipient } from "../domain/submission.ts";

import { urlSyntaxProblem, type UrlPolicyMode } from "../webhooks/index.ts";
import { LANGUAGES } from "../domain/language.ts";

const scalar = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));
const stringMap = z.record(z.string(), scalar);

const address = z.string().check(z.trim(), z.refine(isValidAddress, { message: "invalid_address" }));
/** true/false, or 1/0 as in the SMTP options header. */
const flag = z.pipe(
  z.union([z.boolean(), z.literal(0), z.literal(1)]),
  z.transform((v: boolean | 0 | 1) => Boolean(v)),
);
// Refused as the SMTP door refuses them in To and CC: control characters and < > @ ,.
const name = z.optional(z.string().check(z.maxLength(256), z.refine(isAcceptableDisplayName, { message: "invalid_name" })));

export const recipientSchema = z.object({
  Address: address,
  Name: name,
  MergeFields: z.optional(stringMap),
  ExtraData: z.optional(
    stringMap.check(
      z.refine((data) => data.callbackUrl === undefined || !urlSyntaxProblem(data.callbackUrl, "local"), {
        message: "invalid_url",
        path: ["callbackUrl"],
      }),
    ),
  ),
});

export const requestSchema = (maxRecipients: number, maxAttachments: number) =>
  z.object({
    Recipients: z.array(z.unknown()).check(z.minLength(1), z.maxLength(maxRecipients)),
    CheckUnsubscription: z.optional(z.boolean()),
    Sender: z.object({ Address: address, Name: name }),
    Subject: z.string().check(z.minLength(1), z.maxLength(998)),
    Body: z
      .object({ Html: z.optional(z.string()), PlainText: z.optional(z.string()) })
      .check(z.refine((body) => !!body.Html || !!body.PlainText, { message: "body_required" })),
    AttachmentsIds: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(maxAttachments))),
    // Posthaste's additions (the SMTP X-Posthaste options in HTTP form): footer/page language and tracking switches.
    Language: z.optional(z.enum(LANGUAGES)),
    TrackRead: z.optional(flag),
    TrackLinks: z.optional(flag),
    SkipUnsubscribe: z.optional(flag),
  });

export type SendRequest = z.infer<ReturnType<typeof requestSchema>>;

export interface RecipientFailure {
  index: number;
  address: string;
  reasons: Reason[];
}

export interface ParsedSendRequest {
  submission: Submission;
  failures: RecipientFailure[];
  attachmentIds: string[];
}

// The reference example spells CheckUnsubscription with a Cyrillic "С".
const CYRILLIC_CHECK = "\u0421heckUnsubscription";

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
  if (body.CheckUnsubscription === undefined && CYRILLIC_CHECK in body) body.CheckUnsubscription = body[CYRILLIC_CHECK];

  const parsed = requestSchema(limits.recipientsPerRequest, limits.attachmentsPerMessage).safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, body);
  const request = parsed.data;
  const attachmentIds = request.AttachmentsIds ?? [];
  refuseRepeats(attachmentIds);

  const size =
    Buffer.byteLength(request.Subject) + Buffer.byteLength(request.Body.Html ?? "") + Buffer.byteLength(request.Body.PlainText ?? "");
  if (size > limits.messageBytes) {
    throw new AppError("validation_error", {
      message: `Message exceeds the size limit of ${limits.messageBytes} bytes`,
      reasons: [{ key: "message_too_large", ref: "Body" }],
    });
  }

  const recipients: SubmissionRecipient[] = [];
  const failures: RecipientFailure[] = [];
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
      recipients.push({
        index,
        address: normalizeAddress(result.data.Address),
        name: result.data.Name,
        mergeFields: result.data.MergeFields ?? {},
        extraData: result.data.ExtraData ?? {},
      });
    } else {
      const address = typeof (raw as { Address?: unknown })?.Address === "string" ? (raw as { Address: string }).Address : "";
      failures.push({ index, address, reasons: reasonsOf(result.error, raw, [`Recipients[${index}]`]) });
    }
  });

  return {
    submission: {
      from: { address: normalizeAddress(request.Sender.Address), name: request.Sender.Name },
      subject: request.Subject,
      html: request.Body.Html || undefined,
      text: request.Body.PlainText || undefined,
      recipients,
      checkSuppression: request.CheckUnsubscription ?? false,
      options: {
        trackOpens: request.TrackRead ?? DEFAULT_OPTIONS.trackOpens,
        trackLinks: request.TrackLinks ?? DEFAULT_OPTIONS.trackLinks,
        language: request.Language ?? DEFAULT_OPTIONS.language,
        skipUnsubscribe: request.SkipUnsubscribe ?? DEFAULT_OPTIONS.skipUnsubscribe,
      },
    },
    failures,
    attachmentIds,
  };
}

/** A file named twice would be attached (and read at every delivery) twice: refused, each repeat named. */
function refuseRepeats(attachmentIds: string[]) {
  const seen = new Set<string>();
  const reasons: Reason[] = [];
  attachmentIds.forEach((id, index) => {
    if (seen.has(id)) reasons.push({ key: "duplicate", ref: `AttachmentsIds[${index}]` });
    seen.add(id);
  });
  if (reasons.length > 0) throw new AppError("validation_error", { message: describe(reasons[0]), reasons });
}

function validationError(error: z.core.$ZodError, input: unknown): AppError {
  const reasons = reasonsOf(error, input, []);
  return new AppError("validation_error", { message: describe(reasons[0]), reasons });
}

const DESCRIPTIONS: Partial<Record<ReasonKey, string>> = {
  required: "is required",
  invalid_type: "has the wrong type",
  invalid_address: "is not a valid email address",
  invalid_url: "is not a valid http(s) URL",
  url_not_allowed: "points at an address webhooks may not reach",
  too_few_items: "must not be empty",
  too_many_items: "has too many items",
  duplicate: "names a file already attached",
  too_long: "is too long",
  invalid_name: "must not contain control characters or any of < > @ ,",
  body_required: "must have Html or PlainText",
};

export function describe(reason: Reason | undefined): string {
  if (!reason) return "Validation error";
  return `${reason.ref ?? "Request"} ${DESCRIPTIONS[reason.key] ?? `is invalid (${reason.key})`}`;
}
