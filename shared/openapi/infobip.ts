// What the OpenAPI document says of the Infobip door's routes (docs/moving-from-infobip.md):
// Infobip's paths, multipart send, answers and its error shape, and the `App` / `Basic` ways to
// pass a key besides Posthaste's own.
import * as z from "zod/mini";
import { GROUPS } from "../domain/infobip.ts";
import { named } from "./schemas.ts";
import type { RouteDoc } from "./routes.ts";

const groupStatus = named(
  z.object({ groupId: z.number(), groupName: z.enum(GROUPS), id: z.number(), name: z.string(), description: z.string() }),
  "InfobipStatus",
  { description: "Infobip's status of a message: its group (the table in docs/moving-from-infobip.md) and the status in it." },
);
const infobipError = named(
  z.object({
    groupId: z.number(),
    groupName: z.string(),
    id: z.number(),
    name: z.string(),
    description: z.string(),
    permanent: z.boolean(),
  }),
  "InfobipMessageError",
  { description: "Why a message was not delivered; `NO_ERROR` (id 0) while nothing went wrong." },
);

export const infobipErrorSchema = named(
  z.object({
    requestError: z.object({
      serviceException: z.object({
        messageId: z.string(),
        text: z.string(),
        validationErrors: z.optional(z.record(z.string(), z.array(z.string()))),
      }),
    }),
  }),
  "InfobipError",
  {
    description: "Every error of the Infobip door's routes, in Infobip's shape; `validationErrors` names each field that is wrong.",
    example: {
      requestError: {
        serviceException: { messageId: "BAD_REQUEST", text: "to is required", validationErrors: { to: ["to is required"] } },
      },
    },
  },
);

const sendAnswer = named(
  z.object({ bulkId: z.string(), messages: z.array(z.object({ to: z.string(), messageId: z.string(), status: groupStatus })) }),
  "InfobipSendResult",
);
const price = z.object({ pricePerMessage: z.number(), currency: z.string() });
const logEntry = named(
  z.object({
    bulkId: z.string(),
    messageId: z.string(),
    to: z.string(),
    from: z.string(),
    text: z.string(),
    sentAt: z.string(),
    doneAt: z.optional(z.string()),
    messageCount: z.number(),
    price,
    status: groupStatus,
    error: infobipError,
    channel: z.literal("EMAIL"),
  }),
  "InfobipLogEntry",
);
export const infobipReportSchema = named(
  z.object({
    bulkId: z.string(),
    messageId: z.string(),
    to: z.string(),
    sentAt: z.string(),
    doneAt: z.string(),
    messageCount: z.number(),
    price,
    status: groupStatus,
    error: infobipError,
    channel: z.literal("EMAIL"),
    callbackData: z.optional(z.string()),
  }),
  "InfobipReport",
  { description: "A delivery report, as the reports route returns it and as it is posted to a message's notifyUrl inside `results`." },
);
const domain = named(
  z.object({
    domainName: z.string(),
    active: z.boolean(),
    blocked: z.boolean(),
    dnsRecords: z.array(z.object({ recordType: z.string(), name: z.string(), expectedValue: z.string(), verified: z.boolean() })),
    createdAt: z.string(),
  }),
  "InfobipDomain",
);
const bulkQuery = z.object({ bulkId: z.string() });
const bulkStatus = z.enum(["PENDING", "CANCELED", "FINISHED"]);
const domainPath = z.object({ domainName: z.string() });

const text = (description: string) => z.optional(z.string().check(z.meta({ description })));
const file = (description: string) => z.optional(z.string().check(z.meta({ format: "binary", description })));

const sendForm = named(
  z.object({
    from: z.string().check(z.meta({ description: '"Name <address>" or an address of a verified domain' })),
    to: z
      .string()
      .check(z.meta({ description: "A recipient; repeat the part for more, or a JSON object with `to` and its own `placeholders`" })),
    cc: text("Repeatable"),
    bcc: text("Repeatable"),
    replyTo: text("An address"),
    subject: text("Required unless templateId"),
    text: text("Plain-text body"),
    html: text("HTML body; inline images by `cid:` and their file name"),
    ampHtml: text("Refused: AMP is not supported"),
    attachment: file("A file; repeatable"),
    inlineImage: file("An image referenced by `cid:`; repeatable"),
    templateId: text("A stored template"),
    defaultPlaceholders: text("JSON object of merge fields for every recipient"),
    bulkId: text("Ignored: Posthaste names the bulk"),
    messageId: text("Refused: Posthaste names each message"),
    preserveRecipients: text("true: one message to every `to`"),
    sendAt: text("ISO 8601 time to send at (a scheduled bulk)"),
    track: text("true or false"),
    trackClicks: text("true or false"),
    trackOpens: text("true or false"),
    trackingUrl: text("Refused: events go to notifyUrl and webhooks"),
    notifyUrl: text("Where delivery reports are posted"),
    notifyContentType: text("application/json"),
    callbackData: text("Returned in each report"),
    intermediateReport: text("true: report SENT too"),
    headers: text("JSON object of X- headers"),
  }),
  "InfobipSendForm",
  { description: "Infobip's send form (multipart/form-data); docs/moving-from-infobip.md says what each field does here." },
);

const TAG = "Infobip door";
const door = { tag: TAG, access: "apiKey", errorShape: "infobip" } as const;

export const INFOBIP_ROUTE_DOCS: Record<string, RouteDoc> = {
  InfobipSend: {
    ...door,
    summary: "Send (Infobip's form): to each `to`, or one message to all with preserveRecipients",
    body: { media: "multipart/form-data", schema: sendForm },
    answers: { 200: { description: "The bulk and one entry per message", json: sendAnswer } },
    errors: ["validation_error", "payload_too_large", "unsupported_media_type"],
  },
  InfobipLogs: {
    ...door,
    summary: "Logs of the last 48 hours, in Infobip's fields, any number of times",
    query: z.object({
      messageId: z.optional(z.string()),
      from: z.optional(z.string()),
      to: z.optional(z.string()),
      bulkId: z.optional(z.string()),
      generalStatus: z.optional(z.enum(GROUPS)),
      sentSince: z.optional(z.string()),
      sentUntil: z.optional(z.string()),
      limit: z.optional(z.string().check(z.meta({ description: "1 to 1000, default 50" }))),
    }),
    answers: { 200: { description: "Newest first", json: z.object({ results: z.array(logEntry) }) } },
    errors: ["validation_error"],
  },
  InfobipReports: {
    ...door,
    summary: "Delivery reports, each returned once",
    query: z.object({ bulkId: z.optional(z.string()), messageId: z.optional(z.string()), limit: z.optional(z.string()) }),
    answers: { 200: { description: "Unread reports, now taken", json: z.object({ results: z.array(infobipReportSchema) }) } },
    errors: ["validation_error"],
  },
  InfobipBulks: {
    ...door,
    summary: "A scheduled bulk's time",
    query: bulkQuery,
    answers: {
      200: {
        description: "The bulk",
        json: z.object({ externalBulkId: z.string(), bulks: z.array(z.object({ bulkId: z.string(), sendAt: z.string() })) }),
      },
    },
    errors: ["validation_error", "not_found"],
  },
  InfobipRescheduleBulk: {
    ...door,
    summary: "Move a scheduled bulk to another time",
    query: bulkQuery,
    body: { json: z.object({ sendAt: z.string() }), example: { sendAt: "2030-01-01T10:00:00.000+0000" } },
    answers: { 200: { description: "The new time", json: z.object({ bulkId: z.string(), sendAt: z.string() }) } },
    errors: ["not_found", "conflict"],
  },
  InfobipGetBulkStatus: {
    ...door,
    summary: "A scheduled bulk's status",
    query: bulkQuery,
    answers: {
      200: {
        description: "The bulk",
        json: z.object({ externalBulkId: z.string(), bulks: z.array(z.object({ bulkId: z.string(), status: bulkStatus })) }),
      },
    },
    errors: ["validation_error", "not_found"],
  },
  InfobipUpdateBulkStatus: {
    ...door,
    summary: "Cancel a scheduled bulk (CANCELED; PENDING changes nothing; pausing is refused)",
    query: bulkQuery,
    body: { json: z.object({ status: z.enum(["PENDING", "PAUSED", "PROCESSING", "CANCELED"]) }), example: { status: "CANCELED" } },
    answers: { 200: { description: "The bulk's status after the change", json: z.object({ bulkId: z.string(), status: bulkStatus }) } },
    errors: ["not_found", "conflict"],
  },
  InfobipDomains: {
    ...door,
    access: "accountKey",
    summary: "Add a sending domain",
    body: { json: z.object({ domainName: z.string() }), example: { domainName: "mail.example.com" } },
    answers: { 200: { description: "The domain and the DNS records to publish", json: domain } },
    errors: ["conflict"],
  },
  InfobipListDomains: {
    ...door,
    summary: "The sending domains, paged",
    query: z.object({ page: z.optional(z.string()), size: z.optional(z.string()) }),
    answers: {
      200: {
        description: "A page (page counts from 0)",
        json: z.object({
          paging: z.object({ page: z.number(), size: z.number(), totalPages: z.number(), totalResults: z.number() }),
          results: z.array(domain),
        }),
      },
    },
    errors: ["validation_error"],
  },
  InfobipGetDomain: {
    ...door,
    summary: "One sending domain",
    path: domainPath,
    answers: { 200: { description: "The domain", json: domain } },
    errors: ["not_found"],
  },
  InfobipVerifyDomain: {
    ...door,
    access: "accountKey",
    summary: "Look the domain's records up now (read the outcome with GET)",
    path: domainPath,
    answers: { 202: { description: "Checked" } },
    errors: ["not_found", "conflict"],
  },
  InfobipDeleteDomain: {
    ...door,
    access: "accountKey",
    summary: "Remove a sending domain",
    path: domainPath,
    answers: { 204: { description: "Removed" } },
    errors: ["not_found"],
  },
};
