// What the OpenAPI document says of each route of functions/manifest.ts, by the route's name:
// its parameters, body and answers, as the zod schemas the handlers validate with and the views
// they answer with. A route in the manifest without an entry here is missing from the document,
// which test/unit/openapi.test.ts refuses.
import * as z from "zod/mini";
import type { ErrorCode } from "../domain/errors.ts";
import { SUPPRESSION_CAUSES } from "../domain/suppression.ts";
import { UPLOAD_CATEGORIES } from "../domain/file.ts";
import { sendRecipientSchema, sendRequestSchema } from "../accept/index.ts";
import { createKeySchema } from "../api-keys/index.ts";
import { suppressionAddSchema } from "../suppressions/index.ts";
import { webhookCreateSchema } from "../webhooks/index.ts";
import { scheduledMoveSchema } from "../scheduled/index.ts";
import { settingsPatchSchema } from "../settings/index.ts";
import { templateContentSchema, templateCreateSchema, templateDraftRenderSchema, templateRenderSchema } from "../templates/index.ts";
import {
  renderedSchema,
  scheduledSchema,
  settingsSchema,
  templateSchema,
  apiKeySchema,
  logEntrySchema,
  reportSchema,
  statisticsSchema,
  domainSchema,
  messageSchema,
  named,
  newApiKeySchema,
  okResult,
  sendResultSchema,
  suppressionSchema,
  uploadResultSchema,
  webhookSchema,
} from "./schemas.ts";
import { INFOBIP_ROUTE_DOCS } from "./infobip.ts";

/** Who may call: any API key, only an account key (not a project key), or anyone (public links, docs, console). */
export type Access = "apiKey" | "accountKey" | "public";

export interface Answer {
  description: string;
  /** A JSON answer's schema, or another media type with a plain description of its body. */
  json?: z.core.$ZodType;
  media?: { type: string; schema: z.core.$ZodType } | { type: string; schema: z.core.$ZodType }[];
  headers?: Record<string, string>;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  path?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  headers?: z.ZodMiniObject;
  body?: { json: z.core.$ZodType; example?: unknown } | { media: string; schema: z.core.$ZodType };
  answers: Record<number, Answer>;
  /** Errors of this route besides those of its access, body and path (which the document adds itself). */
  errors?: ErrorCode[];
  /** The Infobip door's routes answer errors in Infobip's shape and statuses, and take its `App` and `Basic` keys too. */
  errorShape?: "infobip";
}

const token = z.object({ token: z.string() });
const TEMPLATE_ID = z.object({ templateId: z.string() });
const html = (description: string): Answer => ({ description, media: { type: "text/html", schema: z.string() } });
const text = (description: string): Answer => ({ description, media: { type: "text/plain", schema: z.string() } });

const SEND_EXAMPLE = {
  Recipients: [{ Address: "user@example.org", Name: "User", MergeFields: { name: "Ann" } }],
  Sender: { Address: "news@example.com", Name: "Example" },
  Subject: "Hello, [name]",
  Body: { Html: "<p>Hello, [name]! [Unsubscribe] [WebVersion]</p>", PlainText: "Hello, [name]!" },
};

/** The send body with each recipient's own schema (the handler checks recipients one by one). */
const sendBody = named(
  z.object({ ...sendRequestSchema(1000, 10).def.shape, Recipients: z.array(sendRecipientSchema).check(z.minLength(1), z.maxLength(1000)) }),
  "SendRequest",
  { description: "The Devino send request, with Posthaste's additions (Language, TrackRead, TrackLinks, SkipUnsubscribe)." },
);

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  SendMessages: {
    summary: "Send one message to 1–1,000 recipients",
    description:
      "Each recipient gets a copy of its own with its own MessageId. A bad recipient fails only its own Result entry. An `Idempotency-Key` header makes a retry answer the first answer instead of sending again.",
    tag: "Messages",
    access: "apiKey",
    headers: z.object({
      "idempotency-key": z.optional(
        z.string().check(z.maxLength(255), z.meta({ description: "Sends at most once per key and body within 24 hours" })),
      ),
    }),
    body: { json: sendBody, example: SEND_EXAMPLE },
    answers: { 200: { description: "One Result entry per recipient", json: sendResultSchema } },
    errors: ["idempotency_conflict", "idempotency_in_progress"],
  },
  GetMessage: {
    summary: "A message: current status, opens, clicks and its history",
    tag: "Messages",
    access: "apiKey",
    path: z.object({ messageId: z.string() }),
    answers: { 200: { description: "The message", json: okResult(messageSchema) } },
    errors: ["not_found"],
  },
  GetMessageBody: {
    summary: "A message's subject and bodies as its recipient got them (without the open pixel and click redirects)",
    tag: "Messages",
    access: "apiKey",
    path: z.object({ messageId: z.string() }),
    answers: {
      200: {
        description: "The rendered message",
        json: okResult(
          z.object({ MessageId: z.string(), Subject: z.string(), Html: z.optional(z.string()), Text: z.optional(z.string()) }),
        ),
      },
    },
    errors: ["not_found"],
  },
  GetLogs: {
    summary: "Every message of the last 48 hours, filtered, newest first, paged",
    tag: "Messages",
    access: "apiKey",
    query: z.object({
      messageId: z.optional(z.string()),
      to: z.optional(z.string()),
      from: z.optional(z.string()),
      status: z.optional(z.string().check(z.meta({ description: "A status; repeat it for several" }))),
      sentSince: z.optional(z.string()),
      sentUntil: z.optional(z.string()),
      tag: z.optional(z.string()),
      projectId: z.optional(z.string()),
      limit: z.optional(z.string().check(z.meta({ description: "1 to 1000, default 50" }))),
      cursor: z.optional(z.string()),
    }),
    answers: {
      200: {
        description: "A page; `Cursor` is there while there may be more",
        json: z.object({ Result: z.array(logEntrySchema), Cursor: z.optional(z.string()), Code: z.literal("ok") }),
      },
    },
    errors: ["validation_error"],
  },
  GetStatistics: {
    summary: "Statistics: counts and percentages per status row for a period, project or tag",
    tag: "Messages",
    access: "apiKey",
    query: z.object({
      period: z.optional(z.enum(["today", "week", "month", "3months", "6months", "year"])),
      from: z.optional(z.string()),
      to: z.optional(z.string()),
      tz: z.optional(z.string().check(z.meta({ description: "IANA time zone, default UTC" }))),
      projectId: z.optional(z.string()),
      tag: z.optional(z.string()),
      groupBy: z.optional(z.enum(["day", "hour"])),
    }),
    answers: { 200: { description: "The rows", json: okResult(statisticsSchema) } },
    errors: ["validation_error"],
  },
  GetReports: {
    summary: "Delivery reports of messages that reached a final status, each returned once",
    tag: "Messages",
    access: "apiKey",
    query: z.object({ messageId: z.optional(z.string()), limit: z.optional(z.string()) }),
    answers: { 200: { description: "Unread reports, now taken", json: okResult(z.array(reportSchema)) } },
    errors: ["validation_error"],
  },
  UploadFile: {
    summary: "Upload an attachment, for AttachmentsIds",
    tag: "Files",
    access: "apiKey",
    query: z.object({ category: z.enum(UPLOAD_CATEGORIES) }),
    body: { media: "multipart/form-data", schema: z.object({ file: z.string().check(z.meta({ format: "binary" })) }) },
    answers: { 200: { description: "The stored file", json: uploadResultSchema } },
    errors: ["validation_error", "payload_too_large", "unsupported_media_type"],
  },
  TrackOpen: {
    summary: "Open pixel (in every tracked message)",
    tag: "Links",
    access: "public",
    path: token,
    answers: {
      200: {
        description: "A 1×1 transparent GIF, also when the open could not be recorded",
        media: { type: "image/gif", schema: z.string() },
      },
      404: text("The token is not one Posthaste signed"),
    },
  },
  TrackClick: {
    summary: "Click redirect (in every tracked message)",
    tag: "Links",
    access: "public",
    path: token,
    answers: { 302: { description: "To the link's target", headers: { location: "The target URL" } }, 404: text("Unknown token") },
  },
  UnsubscribePage: {
    summary: "Unsubscribe page (changes nothing)",
    tag: "Links",
    access: "public",
    path: token,
    answers: { 200: html("The page, in the message's language"), 404: html("The link is not valid") },
  },
  Unsubscribe: {
    summary: "Unsubscribe: one-click (RFC 8058) or the page's buttons",
    tag: "Links",
    access: "public",
    path: token,
    body: {
      media: "application/x-www-form-urlencoded",
      schema: z.object({
        "List-Unsubscribe": z.optional(z.literal("One-Click")),
        action: z.optional(z.enum(["unsubscribe", "resubscribe"])),
      }),
    },
    answers: {
      200: {
        description: "The page after the action, or the text `Unsubscribed` for one-click",
        media: [
          { type: "text/html", schema: z.string() },
          { type: "text/plain", schema: z.string() },
        ],
      },
      400: text("The form names no action"),
      404: text("Unknown token"),
    },
  },
  WebVersion: {
    summary: "Web version of a message",
    tag: "Links",
    access: "public",
    path: token,
    answers: { 200: html("The message's HTML, sandboxed"), 404: html("Unknown token, or the message is gone") },
  },
  GetSuppression: {
    summary: "One address of the suppression list",
    tag: "Suppressions",
    access: "apiKey",
    path: z.object({ email: z.string() }),
    answers: { 200: { description: "The entry", json: okResult(suppressionSchema) } },
    errors: ["not_found", "validation_error"],
  },
  ListSuppressions: {
    summary: "The suppression list, oldest first, paged",
    tag: "Suppressions",
    access: "apiKey",
    query: z.object({
      cause: z.optional(z.enum(SUPPRESSION_CAUSES)),
      since: z.optional(z.string().check(z.meta({ description: "ISO 8601 time or epoch milliseconds" }))),
      cursor: z.optional(z.string().check(z.meta({ description: "`Cursor` of the previous page" }))),
      limit: z.optional(z.string().check(z.meta({ description: "1 to 1000", pattern: "^\\d+$" }))),
    }),
    answers: {
      200: {
        description: "A page; `Cursor` is there when there is more",
        json: z.object({ Result: z.array(suppressionSchema), Cursor: z.optional(z.string()), Code: z.literal("ok") }),
      },
    },
    errors: ["validation_error"],
  },
  AddSuppression: {
    summary: "Add an address to the suppression list",
    tag: "Suppressions",
    access: "apiKey",
    body: { json: suppressionAddSchema, example: { Email: "user@example.org", Reason: "asked by phone" } },
    answers: { 200: { description: "The entry", json: okResult(suppressionSchema) } },
  },
  DeleteSuppression: {
    summary: "Remove an address from the suppression list",
    tag: "Suppressions",
    access: "apiKey",
    path: z.object({ email: z.string() }),
    answers: { 200: { description: "Removed", json: okResult(z.object({ Email: z.string(), Removed: z.literal(true) })) } },
    errors: ["not_found", "validation_error"],
  },
  CreateWebhook: {
    summary: "Add a webhook URL",
    tag: "Webhooks",
    access: "accountKey",
    body: { json: webhookCreateSchema, example: { Url: "https://hooks.example.com/posthaste", Description: "CRM" } },
    answers: { 201: { description: "The webhook and its signing secret", json: okResult(webhookSchema) } },
  },
  ListWebhooks: {
    summary: "The webhook URLs and the callback signing secret",
    tag: "Webhooks",
    access: "accountKey",
    answers: { 200: { description: "The callback signer first", json: okResult(z.array(webhookSchema)) } },
  },
  ReplayWebhooks: {
    summary: "Send the parked webhook events again",
    tag: "Webhooks",
    access: "accountKey",
    answers: {
      200: {
        description: "How many were sent again; `Complete` is false when time ran out before the last (call again)",
        json: okResult(z.object({ Replayed: z.number().check(z.int()), Complete: z.boolean() })),
      },
    },
  },
  DeleteWebhook: {
    summary: "Remove a webhook URL",
    tag: "Webhooks",
    access: "accountKey",
    path: z.object({ webhookId: z.string() }),
    answers: { 200: { description: "Removed", json: z.object({ Code: z.literal("ok") }) } },
    errors: ["not_found", "validation_error"],
  },
  RotateWebhookSecret: {
    summary: "A new signing secret (the previous one stays valid for a while)",
    tag: "Webhooks",
    access: "accountKey",
    path: z.object({ webhookId: z.string() }),
    answers: { 200: { description: "The webhook with its new secret", json: okResult(webhookSchema) } },
    errors: ["not_found"],
  },
  TestWebhook: {
    summary: "Send a test event (`webhook.test`) to a webhook URL",
    description: "Queued like every event: signed with the URL's secret, retried, parked if it keeps failing.",
    tag: "Webhooks",
    access: "accountKey",
    path: z.object({ webhookId: z.string() }),
    answers: { 202: { description: "Queued", json: okResult(z.object({ EventId: z.string() })) } },
    errors: ["not_found"],
  },
  CreateTemplate: {
    summary: "Save a new template",
    tag: "Templates",
    access: "apiKey",
    body: { json: templateCreateSchema, example: { Name: "Welcome", Engine: "simple", Subject: "Hello", Html: "<p>Hello, {{Name}}</p>" } },
    answers: { 201: { description: "The template", json: okResult(templateSchema) } },
    errors: ["conflict"],
  },
  ListTemplates: {
    summary: "Your templates in id order, without their bodies",
    tag: "Templates",
    access: "apiKey",
    query: z.object({ limit: z.optional(z.string()), cursor: z.optional(z.string()) }),
    answers: {
      200: {
        description: "A page",
        json: z.object({ Result: z.array(templateSchema), Cursor: z.optional(z.string()), Code: z.literal("ok") }),
      },
    },
    errors: ["validation_error"],
  },
  GetTemplate: {
    summary: "One template with its bodies",
    tag: "Templates",
    access: "apiKey",
    path: TEMPLATE_ID,
    answers: { 200: { description: "The template", json: okResult(templateSchema) } },
    errors: ["not_found"],
  },
  PutTemplate: {
    summary: "Replace a template, or create it under this id",
    tag: "Templates",
    access: "apiKey",
    path: TEMPLATE_ID,
    body: { json: templateContentSchema, example: { Name: "Welcome", Html: "<p>Hello, {{Name}}</p>" } },
    answers: {
      200: { description: "Replaced", json: okResult(templateSchema) },
      201: { description: "Created under this id", json: okResult(templateSchema) },
    },
    errors: ["not_found"],
  },
  DeleteTemplate: {
    summary: "Delete a template",
    tag: "Templates",
    access: "apiKey",
    path: TEMPLATE_ID,
    answers: { 200: { description: "Removed", json: okResult(z.object({ Id: z.string(), Removed: z.literal(true) })) } },
    errors: ["not_found"],
  },
  RenderTemplate: {
    summary: "Preview a template with sample values",
    tag: "Templates",
    access: "apiKey",
    path: TEMPLATE_ID,
    body: { json: templateRenderSchema, example: { MergeFields: { Name: "Anna" } } },
    answers: { 200: { description: "The rendered parts", json: okResult(renderedSchema) } },
    errors: ["not_found"],
  },
  RenderDraftTemplate: {
    summary: "Preview an unsaved template with sample values (checked as saving checks it; nothing is stored)",
    tag: "Templates",
    access: "apiKey",
    body: {
      json: templateDraftRenderSchema,
      example: { Template: { Engine: "velocity", Subject: "Hi $Name", Html: "<p>Hello, $Name</p>" }, MergeFields: { Name: "Anna" } },
    },
    answers: { 200: { description: "The rendered parts", json: okResult(renderedSchema) } },
    errors: ["validation_error"],
  },
  CancelScheduled: {
    summary: "Cancel a scheduled send's messages not gone yet",
    tag: "Messages",
    access: "apiKey",
    path: z.object({ submissionId: z.string() }),
    answers: { 200: { description: "The submission's messages as they are now", json: okResult(scheduledSchema) } },
    errors: ["not_found", "validation_error", "conflict"],
  },
  MoveScheduled: {
    summary: "Move a scheduled send to a new SendAt",
    tag: "Messages",
    access: "apiKey",
    path: z.object({ submissionId: z.string() }),
    body: { json: scheduledMoveSchema, example: { SendAt: "2026-12-24T09:00:00Z" } },
    answers: { 200: { description: "The submission's messages as they are now", json: okResult(scheduledSchema) } },
    errors: ["not_found", "conflict"],
  },
  GetAccountSettings: {
    summary: "The account's settings",
    tag: "Account",
    access: "accountKey",
    answers: { 200: { description: "Every setting, those set by the operator too", json: okResult(settingsSchema) } },
    errors: ["not_found", "validation_error"],
  },
  UpdateAccountSettings: {
    summary: "Change the settings the account may change itself",
    tag: "Account",
    access: "accountKey",
    body: { json: settingsPatchSchema, example: { TrackLinks: false } },
    answers: { 200: { description: "Every setting after the change", json: okResult(settingsSchema) } },
    errors: ["not_found"],
  },
  CreateDomain: {
    summary: "Add a sending domain",
    description: "The answer holds the DNS records to publish and what DNS holds for each now.",
    tag: "Domains",
    access: "accountKey",
    body: { json: named(z.object({ Domain: z.string() }), "NewDomain"), example: { Domain: "mail.example.com" } },
    answers: { 201: { description: "The domain, its records and their states", json: okResult(domainSchema) } },
    errors: ["conflict"],
  },
  ListDomains: {
    summary: "The account's sending domains",
    tag: "Domains",
    access: "apiKey",
    answers: { 200: { description: "By name", json: okResult(z.array(domainSchema)) } },
  },
  GetDomain: {
    summary: "One sending domain, as its last check left it",
    tag: "Domains",
    access: "apiKey",
    path: z.object({ domain: z.string() }),
    answers: { 200: { description: "The domain", json: okResult(domainSchema) } },
    errors: ["not_found"],
  },
  VerifyDomain: {
    summary: "Look the domain's records up now",
    tag: "Domains",
    access: "accountKey",
    path: z.object({ domain: z.string() }),
    answers: { 200: { description: "Each record's state, verified or not", json: okResult(domainSchema) } },
    errors: ["not_found", "conflict"],
  },
  DeleteDomain: {
    summary: "Remove a sending domain (mail From it is refused from then on)",
    tag: "Domains",
    access: "accountKey",
    path: z.object({ domain: z.string() }),
    answers: { 200: { description: "Removed", json: z.object({ Code: z.literal("ok") }) } },
    errors: ["not_found"],
  },
  CreateApiKey: {
    summary: "Create an API key (shown once)",
    tag: "API keys",
    access: "accountKey",
    body: { json: createKeySchema, example: { Label: "CRM" } },
    answers: { 201: { description: "The key, in `Key`, this once", json: okResult(newApiKeySchema) } },
  },
  ListApiKeys: {
    summary: "The account's API keys (never the keys themselves)",
    tag: "API keys",
    access: "accountKey",
    answers: { 200: { description: "Oldest first, revoked ones included", json: okResult(z.array(apiKeySchema)) } },
  },
  RevokeApiKey: {
    summary: "Revoke an API key",
    tag: "API keys",
    access: "accountKey",
    path: z.object({ keyId: z.string() }),
    answers: { 200: { description: "The revoked key", json: okResult(apiKeySchema) } },
    errors: ["not_found"],
  },
  OpenApiDocument: {
    summary: "This document",
    tag: "Reference",
    access: "public",
    answers: { 200: { description: "OpenAPI 3.1", media: { type: "application/json", schema: z.record(z.string(), z.unknown()) } } },
  },
  ApiReference: {
    summary: "This document as a readable page",
    tag: "Reference",
    access: "public",
    answers: { 200: html("The reference page") },
  },
  Console: {
    summary: "The web console",
    tag: "Console",
    access: "public",
    answers: { 200: html("The console's page; it signs in with an API key kept for the browser session only") },
  },
  ConsoleAsset: {
    summary: "A file of the web console (script, style sheet, chart library)",
    tag: "Console",
    access: "public",
    path: z.object({ file: z.string() }),
    answers: {
      200: { description: "The file", media: { type: "*/*", schema: z.string() } },
      404: text("No such file"),
    },
  },
  ...INFOBIP_ROUTE_DOCS,
};
