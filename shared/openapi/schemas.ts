// The answers of the HTTP API as zod schemas, for the OpenAPI document. Each is checked against
// the function that shapes the answer (the `Fits` lines at the bottom), so a field added to a view
// and not here fails to compile, and the contract test (test/support/contract.ts) fails on any
// answer that still slips past.
import * as z from "zod/mini";
import { ERROR_CODES, REASON_KEYS, type ErrorCode } from "../domain/errors.ts";
import { STATUSES } from "../domain/status.ts";
import { SUPPRESSION_CAUSES } from "../domain/suppression.ts";
import type { apiKeyView } from "../api-keys/index.ts";
import type { domainView } from "../domains/index.ts";
import type { settingsView } from "../settings/index.ts";
import type { templateView } from "../templates/index.ts";
import type { suppressionView } from "../suppressions/index.ts";
import type { webhookView } from "../webhooks/index.ts";

/** Gives a schema a name in `components.schemas`, a description and an example. */
export function named<T extends z.core.$ZodType>(schema: T, id: string, meta: { description?: string; example?: unknown } = {}): T {
  z.globalRegistry.add(schema, { id, ...meta });
  return schema;
}

const time = z.string().check(z.iso.datetime());
const ok = z.literal("ok");

export const reasonSchema = named(z.object({ key: z.enum(REASON_KEYS), ref: z.optional(z.string()) }), "Reason", {
  description: "What was wrong: `key` from a fixed list, `ref` the path of the field (`Recipients[0].Address`).",
});

const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export const errorSchema = named(
  z.object({ Code: z.enum(errorCodes), Description: z.string(), Reasons: z.optional(z.array(reasonSchema)) }),
  "Error",
  {
    description: "Every error of the API, in the Devino shape. `Code` says which error (the table in docs/http-api.md).",
    example: {
      Code: "validation_error",
      Description: "Recipients[0].Address is not a valid email address",
      Reasons: [{ key: "invalid_address", ref: "Recipients[0].Address" }],
    },
  },
);

export const sendResultSchema = named(
  z.object({
    Result: z.array(
      z.object({
        Index: z.number().check(z.int()),
        Address: z.string(),
        MessageId: z.optional(z.string()),
        Code: z.enum(["ok", "validation_error"]),
        Status: z.optional(z.enum(["ACCEPTED", "SCHEDULED", "REJECTED"])),
        Description: z.optional(z.string()),
        Reasons: z.optional(z.array(reasonSchema)),
      }),
    ),
    Code: ok,
  }),
  "SendResult",
  {
    description: "One entry per recipient, in request order: accepted with its MessageId, or refused with its reasons.",
    example: {
      Result: [{ Index: 0, Address: "user@example.org", MessageId: "0mb7k2x1qAbCdEfGhIjKlMnOp-0", Code: "ok", Status: "ACCEPTED" }],
      Code: "ok",
    },
  },
);

export const messageSchema = named(
  z.object({
    MessageId: z.string(),
    Status: z.enum(STATUSES),
    Address: z.string(),
    Sender: z.string(),
    Subject: z.string(),
    CreatedAt: time,
    Attempts: z.number().check(z.int()),
    Opens: z.number().check(z.int()),
    Clicks: z.number().check(z.int()),
    Tags: z.optional(z.array(z.string())),
    Metadata: z.optional(z.record(z.string(), z.string())),
    ExtraData: z.optional(z.record(z.string(), z.string())),
    History: z.array(z.object({ Status: z.enum(STATUSES), Ts: z.number(), Time: time, Reason: z.optional(z.string()) })),
  }),
  "Message",
  { description: "A message of the caller's account: its current status and every status it went through." },
);

export const logEntrySchema = named(
  z.object({
    MessageId: z.string(),
    SubmissionId: z.string(),
    ProjectId: z.optional(z.string()),
    Status: z.enum(STATUSES),
    Address: z.string(),
    Sender: z.string(),
    Subject: z.string(),
    CreatedAt: time,
    Reason: z.optional(z.string()),
    Opens: z.number().check(z.int()),
    Clicks: z.number().check(z.int()),
    Tags: z.optional(z.array(z.string())),
    History: z.array(z.object({ Status: z.enum(STATUSES), Ts: z.number(), Time: time, Reason: z.optional(z.string()) })),
  }),
  "LogEntry",
  { description: "A message of the last 48 hours, as the logs show it." },
);

export const reportSchema = named(
  z.object({
    MessageId: z.string(),
    SubmissionId: z.string(),
    ProjectId: z.optional(z.string()),
    Status: z.enum(STATUSES),
    Reason: z.optional(z.string()),
    Address: z.string(),
    Sender: z.string(),
    CreatedAt: time,
    SentAt: z.optional(time),
    DoneAt: z.optional(time),
    Tags: z.optional(z.array(z.string())),
    ExtraData: z.optional(z.record(z.string(), z.string())),
  }),
  "DeliveryReport",
  { description: "What became of a message, returned once only." },
);

const statisticsRow = z.object({ Row: z.string(), Count: z.number().check(z.int()), Percent: z.optional(z.number()) });

export const statisticsSchema = named(
  z.object({
    From: time,
    To: time,
    TimeZone: z.string(),
    Period: z.optional(z.string()),
    ProjectId: z.optional(z.string()),
    Tag: z.optional(z.string()),
    Rows: z.array(statisticsRow),
    GroupBy: z.optional(z.enum(["day", "hour"])),
    Buckets: z.optional(
      z.array(z.object({ Start: time, Date: z.optional(z.string()), Hour: z.optional(z.string()), Rows: z.array(statisticsRow) })),
    ),
  }),
  "Statistics",
  { description: "The rows of the statistics page (counts, and percentages of Total) for the period, and per day or hour with groupBy." },
);

export const templateSchema = named(
  z.object({
    Id: z.string(),
    Name: z.string(),
    Engine: z.enum(["simple", "velocity"]),
    Subject: z.optional(z.string()),
    Html: z.optional(z.string()),
    Text: z.optional(z.string()),
    ProjectId: z.optional(z.string()),
    CreatedAt: time,
    UpdatedAt: time,
  }),
  "Template",
  { description: "A stored template (the list leaves out Html and Text)." },
);

export const renderedSchema = named(
  z.object({
    Subject: z.optional(z.string()),
    Html: z.optional(z.string()),
    Text: z.optional(z.string()),
    MissingFields: z.array(z.string()),
  }),
  "RenderedTemplate",
  { description: "A preview with sample values; MissingFields names what the template reads and the sample did not give." },
);

export const scheduledSchema = named(
  z.object({
    SubmissionId: z.string(),
    Cancelled: z.optional(z.number().check(z.int())),
    SendAt: z.optional(time),
    Moved: z.optional(z.number().check(z.int())),
    Messages: z.array(z.object({ MessageId: z.string(), Status: z.enum(STATUSES) })),
  }),
  "ScheduledSubmission",
);

export const settingsSchema = named(
  z.object({
    AccountId: z.string(),
    Name: z.string(),
    TrackOpens: z.boolean(),
    TrackLinks: z.boolean(),
    SmtpStrict: z.boolean(),
    SkipUnsubscribe: z.boolean(),
    AllowSkipUnsubscribe: z.boolean(),
    RateLimitPerSecond: z.number(),
    IpAllowlist: z.array(z.string()),
    Projects: z.array(z.object({ ProjectId: z.string(), Name: z.string(), SkipUnsubscribe: z.boolean() })),
  }),
  "AccountSettings",
);

export const uploadResultSchema = named(z.object({ result: z.object({ fileId: z.string(), publicUrl: z.string() }) }), "UploadResult", {
  description: "The stored file: pass `fileId` in AttachmentsIds; `publicUrl` is a time-limited download link.",
});

export const suppressionSchema = named(
  z.object({
    Email: z.string(),
    Cause: z.enum(SUPPRESSION_CAUSES),
    CreatedAt: time,
    MessageId: z.optional(z.string()),
    Reason: z.optional(z.string()),
  }),
  "Suppression",
  { example: { Email: "user@example.org", Cause: "manual", CreatedAt: "2026-01-01T00:00:00.000Z", Reason: "asked by phone" } },
);

export const webhookSchema = named(
  z.object({
    Id: z.string(),
    Url: z.optional(z.string()),
    Description: z.optional(z.string()),
    Secret: z.string(),
    CreatedAt: time,
    SecretRotatedAt: z.optional(time),
    PreviousSecretValidUntil: z.optional(time),
  }),
  "Webhook",
  { description: "A webhook URL, or (Id `callback`, no Url) the secret that signs posts to recipients' callbackUrl." },
);

const recordState = z.enum(["verified", "missing", "unknown"]);

export const domainSchema = named(
  z.object({
    Domain: z.string(),
    Status: z.enum(["pending", "verified", "failed"]),
    CanSend: z.boolean(),
    OperatorVerified: z.optional(z.boolean()),
    DkimSelector: z.optional(z.string()),
    Records: z.array(
      z.object({
        Purpose: z.enum(["dkim", "returnPathMx", "returnPathSpf", "dmarc", "tracking"]),
        Type: z.enum(["TXT", "MX", "CNAME"]),
        Name: z.string(),
        Value: z.string(),
        Priority: z.optional(z.number().check(z.int())),
        Required: z.boolean(),
        Verified: z.boolean(),
        State: recordState,
        CheckedAt: z.optional(time),
        Problem: z.optional(z.string()),
      }),
    ),
    Identity: z.optional(z.object({ Provider: z.literal("ses"), State: recordState, Problem: z.optional(z.string()) })),
    TrackingHost: z.optional(z.string()),
    CreatedAt: z.optional(time),
    VerifiedAt: z.optional(time),
    FailedAt: z.optional(time),
    LastCheckedAt: z.optional(time),
  }),
  "Domain",
  { description: "A sending domain: the DNS records to publish, what the last lookup found for each, and whether it may send." },
);

export const apiKeySchema = named(
  z.object({
    Id: z.string(),
    Prefix: z.string(),
    Label: z.optional(z.string()),
    ProjectId: z.optional(z.string()),
    CreatedAt: time,
    RevokedAt: z.optional(time),
  }),
  "ApiKey",
  { description: "An API key as the account sees it: never the key, only its first characters (`Prefix`)." },
);

export const newApiKeySchema = named(z.object({ ...apiKeySchema.def.shape, Key: z.string() }), "NewApiKey", {
  description: "A key just created: `Key` is shown this once and never again.",
});

/** `{"Result": ..., "Code": "ok"}`, the envelope of every JSON answer but the upload's. */
export const okResult = <T extends z.core.$ZodType>(result: T) => z.object({ Result: result, Code: ok });

// Each view fits its schema: a view that grows a field its schema lacks fails to compile here.
type Fits<View, Schema extends z.core.$ZodType> =
  View extends z.output<Schema> ? (Exclude<keyof View, keyof z.output<Schema>> extends never ? true : never) : never;
const fits: [
  Fits<ReturnType<typeof suppressionView>, typeof suppressionSchema>,
  Fits<ReturnType<typeof webhookView>, typeof webhookSchema>,
  Fits<ReturnType<typeof apiKeyView>, typeof apiKeySchema>,
  Fits<ReturnType<typeof domainView>, typeof domainSchema>,
  Fits<ReturnType<typeof templateView>, typeof templateSchema>,
  Fits<ReturnType<typeof settingsView>, typeof settingsSchema>,
] = [true, true, true, true, true, true];
void fits;
