// Every Lambda of Posthaste: HTTP routes, queue consumers and schedules. The local gateway and
// pollers (local/) and the CDK stack (cdk/) are both built from this list, so a route cannot
// exist in one runtime and not in the other. `access` is what the function may touch; the
// stack turns it into least-privilege IAM.

export type QueueName = "deliveries" | "webhooks" | "sesEvents";

export interface Access {
  table: "read" | "readwrite";
  /** S3 key prefixes and what may be done under them. */
  bucket?: { prefixes: string[]; actions: ("read" | "write")[] };
  /** Queues the function sends to. */
  sendTo?: QueueName[];
  /** Sends mail through SES. */
  ses?: boolean;
  /** Creates, reads and deletes SES identities of sending domains (with the SES transport). */
  sesIdentities?: boolean;
  /** Seals or opens sending domains' DKIM private keys, so reads the key-encryption secret. */
  dkimKeys?: boolean;
}

interface FunctionDef {
  name: string;
  /** Entry file, relative to the repository root; it exports `handler`. */
  entry: string;
  access: Access;
  memoryMb?: number;
  timeoutSeconds?: number;
}

export interface RouteDef extends FunctionDef {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** API Gateway path, `{name}` for a path parameter. */
  path: string;
  /**
   * More method and path pairs the same Lambda serves (one door's family of routes, as the Infobip
   * door's domains): each extra route costs the stack a route and a permission, not a function
   * with its role, logs and alarms, which keeps the stack under CloudFormation's 500 resources.
   */
  also?: AlsoRoute[];
  /** Files the function reads at run time (repository paths), copied next to its bundle on AWS. */
  assets?: string[];
}

/** One more method and path of a route's Lambda, named like a route (its OpenAPI operation). */
export interface AlsoRoute {
  name: string;
  method: RouteDef["method"];
  path: string;
}

export interface ConsumerDef extends FunctionDef {
  queue: QueueName;
  batchSize: number;
  /** Caps concurrent invocations, so delivery can be paced to the SES send rate. */
  maxConcurrency: number;
}

export interface ScheduleDef extends FunctionDef {
  /** EventBridge rate expression body, e.g. "1 minute". */
  rate: string;
}

export interface QueueDef {
  /** Environment variable that carries the queue URL to every function. */
  urlEnv: string;
  visibilityTimeoutSeconds: number;
  /** Receives before a record is parked in the queue's dead-letter queue. */
  maxReceiveCount: number;
}

export const QUEUES: Record<QueueName, QueueDef> = {
  deliveries: { urlEnv: "DELIVERIES_QUEUE_URL", visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  // 1 attempt + 5 retries (docs/webhooks.md); the consumer sets each retry's delay with ChangeMessageVisibility
  // and parks a record whose last attempt failed itself, per account, before SQS would move it here.
  webhooks: { urlEnv: "WEBHOOKS_QUEUE_URL", visibilityTimeoutSeconds: 60, maxReceiveCount: 6 },
  sesEvents: { urlEnv: "SES_EVENTS_QUEUE_URL", visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
};

const BODIES = "bodies/";
/** The console's static files: its own folder and the chart library. */
const CONSOLE_ASSETS = ["console", "node_modules/uplot/dist/uPlot.iife.min.js", "node_modules/uplot/dist/uPlot.min.css"];

export const ROUTES: RouteDef[] = [
  {
    name: "SendMessages",
    method: "POST",
    path: "/email/messages",
    entry: "functions/http/send-messages.ts",
    access: { table: "readwrite", bucket: { prefixes: [BODIES], actions: ["write"] }, sendTo: ["deliveries", "webhooks"] },
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  // Read routes: they authenticate without the shared rate counter (shared/http/memory-rate-limit.ts),
  // so they need no write access to the table.
  {
    name: "GetMessage",
    method: "GET",
    path: "/email/messages/{messageId}",
    entry: "functions/http/get-message.ts",
    access: { table: "read" },
  },
  {
    name: "GetMessageBody",
    method: "GET",
    path: "/email/messages/{messageId}/body",
    entry: "functions/http/message-body.ts",
    access: { table: "read", bucket: { prefixes: [BODIES], actions: ["read"] } },
  },
  {
    name: "GetLogs",
    method: "GET",
    path: "/email/logs",
    entry: "functions/http/logs.ts",
    access: { table: "read" },
  },
  {
    name: "GetStatistics",
    method: "GET",
    path: "/email/statistics",
    entry: "functions/http/statistics.ts",
    access: { table: "read" },
  },
  {
    // readwrite: taking a report removes it, so it is handed out once.
    name: "GetReports",
    method: "GET",
    path: "/email/reports",
    entry: "functions/http/reports.ts",
    access: { table: "readwrite" },
  },
  {
    // Attachments for AttachmentsIds (docs/http-api.md). read: publicUrl is presigned with the function's role.
    name: "UploadFile",
    method: "POST",
    path: "/files/files",
    entry: "functions/http/upload-file.ts",
    access: { table: "readwrite", bucket: { prefixes: ["files/"], actions: ["read", "write"] } },
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  // Public links in every message (no API key: the signed token is the credential). They record
  // statuses, whose listeners post webhooks.
  {
    name: "TrackOpen",
    method: "GET",
    path: "/t/o/{token}",
    entry: "functions/http/track-open.ts",
    access: { table: "readwrite", sendTo: ["webhooks"] },
  },
  {
    name: "TrackClick",
    method: "GET",
    path: "/t/c/{token}",
    entry: "functions/http/track-click.ts",
    access: { table: "readwrite", sendTo: ["webhooks"] },
  },
  {
    name: "UnsubscribePage",
    method: "GET",
    path: "/u/{token}",
    entry: "functions/http/unsubscribe.ts",
    access: { table: "read" },
  },
  {
    name: "Unsubscribe",
    method: "POST",
    path: "/u/{token}",
    entry: "functions/http/unsubscribe.ts",
    access: { table: "readwrite", sendTo: ["webhooks"] },
  },
  {
    name: "WebVersion",
    method: "GET",
    path: "/w/{token}",
    entry: "functions/http/web-version.ts",
    access: { table: "read", bucket: { prefixes: [BODIES], actions: ["read"] } },
  },
  // The account's suppression list (docs/suppressions.md). The GETs are read routes.
  {
    name: "GetSuppression",
    method: "GET",
    path: "/suppressions/{email}",
    entry: "functions/http/suppressions-get.ts",
    access: { table: "read" },
  },
  {
    name: "ListSuppressions",
    method: "GET",
    path: "/suppressions",
    entry: "functions/http/suppressions-list.ts",
    access: { table: "read" },
  },
  {
    name: "AddSuppression",
    method: "POST",
    path: "/suppressions",
    entry: "functions/http/suppressions-add.ts",
    access: { table: "readwrite" },
  },
  {
    name: "DeleteSuppression",
    method: "DELETE",
    path: "/suppressions/{email}",
    entry: "functions/http/suppressions-delete.ts",
    access: { table: "readwrite" },
  },
  {
    name: "CreateWebhook",
    method: "POST",
    path: "/webhooks",
    entry: "functions/http/webhooks-create.ts",
    access: { table: "readwrite" },
  },
  {
    // readwrite although a GET: the callback signing secret it shows is created on first use.
    name: "ListWebhooks",
    method: "GET",
    path: "/webhooks",
    entry: "functions/http/webhooks-list.ts",
    access: { table: "readwrite" },
  },
  {
    name: "ReplayWebhooks",
    method: "POST",
    path: "/webhooks/replay",
    entry: "functions/http/webhooks-replay.ts",
    // Parked records are items in the table: the route never touches a dead-letter queue.
    access: { table: "readwrite", sendTo: ["webhooks"] },
    timeoutSeconds: 29,
  },
  {
    name: "DeleteWebhook",
    method: "DELETE",
    path: "/webhooks/{webhookId}",
    entry: "functions/http/webhooks-delete.ts",
    access: { table: "readwrite" },
  },
  {
    name: "RotateWebhookSecret",
    method: "POST",
    path: "/webhooks/{webhookId}/rotate-secret",
    entry: "functions/http/webhooks-rotate-secret.ts",
    access: { table: "readwrite" },
  },
  {
    name: "TestWebhook",
    method: "POST",
    path: "/webhooks/{webhookId}/test",
    entry: "functions/http/webhooks-test.ts",
    // readwrite: the record goes through the outbox before the queue.
    access: { table: "readwrite", sendTo: ["webhooks"] },
  },
  // Stored templates (docs/templates.md), per account.
  ...(
    [
      ["CreateTemplate", "POST", "/email/templates", "templates-create"],
      ["ListTemplates", "GET", "/email/templates", "templates-list"],
      ["GetTemplate", "GET", "/email/templates/{templateId}", "templates-get"],
      ["PutTemplate", "PUT", "/email/templates/{templateId}", "templates-put"],
      ["DeleteTemplate", "DELETE", "/email/templates/{templateId}", "templates-delete"],
      ["RenderTemplate", "POST", "/email/templates/{templateId}/render", "templates-render"],
      ["RenderDraftTemplate", "POST", "/email/templates/render", "templates-render-draft"],
    ] as const
  ).map(([name, method, path, file]) => ({
    name,
    method,
    path,
    entry: `functions/http/${file}.ts`,
    access: { table: "readwrite" as const },
  })),
  // Scheduled sends (docs/scheduled.md): cancelling records CANCELLED (a webhook), moving queues the job again.
  {
    name: "CancelScheduled",
    method: "DELETE",
    path: "/email/scheduled/{submissionId}",
    entry: "functions/http/scheduled-cancel.ts",
    access: { table: "readwrite", sendTo: ["deliveries", "webhooks"] },
    timeoutSeconds: 29,
  },
  {
    name: "MoveScheduled",
    method: "PATCH",
    path: "/email/scheduled/{submissionId}",
    entry: "functions/http/scheduled-move.ts",
    access: { table: "readwrite", sendTo: ["deliveries", "webhooks"] },
    timeoutSeconds: 29,
  },
  // The account's own settings (docs/account-settings.md), account keys only.
  {
    name: "GetAccountSettings",
    method: "GET",
    path: "/account/settings",
    entry: "functions/http/account-settings-get.ts",
    access: { table: "readwrite" },
  },
  {
    name: "UpdateAccountSettings",
    method: "PATCH",
    path: "/account/settings",
    entry: "functions/http/account-settings-update.ts",
    access: { table: "readwrite" },
  },
  // Sending domains, self-service (docs/domains.md). Verifying may post domain.verification_failed.
  {
    name: "CreateDomain",
    method: "POST",
    path: "/domains",
    entry: "functions/http/domains-create.ts",
    access: { table: "readwrite", sesIdentities: true, dkimKeys: true },
    // A 2048-bit key pair, the SES identity and a first DNS check.
    timeoutSeconds: 29,
  },
  {
    name: "ListDomains",
    method: "GET",
    path: "/domains",
    entry: "functions/http/domains-list.ts",
    access: { table: "readwrite" },
  },
  {
    name: "GetDomain",
    method: "GET",
    path: "/domains/{domain}",
    entry: "functions/http/domains-get.ts",
    access: { table: "readwrite" },
  },
  {
    name: "VerifyDomain",
    method: "POST",
    path: "/domains/{domain}/verify",
    entry: "functions/http/domains-verify.ts",
    access: { table: "readwrite", sendTo: ["webhooks"], sesIdentities: true },
    timeoutSeconds: 29,
  },
  {
    name: "DeleteDomain",
    method: "DELETE",
    path: "/domains/{domain}",
    entry: "functions/http/domains-delete.ts",
    access: { table: "readwrite", sesIdentities: true },
  },
  // The Infobip-compatible door (docs/moving-from-infobip.md): Infobip's paths, fields, answers and errors.
  {
    name: "InfobipSend",
    method: "POST",
    path: "/email/3/send",
    entry: "functions/http/infobip-send.ts",
    access: {
      table: "readwrite",
      bucket: { prefixes: [BODIES, "files/"], actions: ["write"] },
      sendTo: ["deliveries", "webhooks"],
    },
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  {
    name: "InfobipLogs",
    method: "GET",
    path: "/email/1/logs",
    entry: "functions/http/infobip-logs.ts",
    access: { table: "read" },
  },
  {
    // Taking a report is a write: each is returned once.
    name: "InfobipReports",
    method: "GET",
    path: "/email/1/reports",
    entry: "functions/http/infobip-reports.ts",
    access: { table: "readwrite" },
  },
  {
    // Every /email/1/bulks route, in one function (`also`).
    name: "InfobipBulks",
    method: "GET",
    path: "/email/1/bulks",
    also: [
      { name: "InfobipRescheduleBulk", method: "PUT", path: "/email/1/bulks" },
      { name: "InfobipGetBulkStatus", method: "GET", path: "/email/1/bulks/status" },
      { name: "InfobipUpdateBulkStatus", method: "PUT", path: "/email/1/bulks/status" },
    ],
    entry: "functions/http/infobip-bulks.ts",
    access: { table: "readwrite", sendTo: ["deliveries", "webhooks"] },
    timeoutSeconds: 29,
  },
  {
    // Every /email/1/domains route, in one function (`also`). Verifying may post domain.verification_failed.
    name: "InfobipDomains",
    method: "POST",
    path: "/email/1/domains",
    also: [
      { name: "InfobipListDomains", method: "GET", path: "/email/1/domains" },
      { name: "InfobipGetDomain", method: "GET", path: "/email/1/domains/{domainName}" },
      { name: "InfobipVerifyDomain", method: "POST", path: "/email/1/domains/{domainName}/verify" },
      { name: "InfobipDeleteDomain", method: "DELETE", path: "/email/1/domains/{domainName}" },
    ],
    entry: "functions/http/infobip-domains.ts",
    access: { table: "readwrite", sendTo: ["webhooks"], sesIdentities: true },
    timeoutSeconds: 29,
  },
  // API keys of the account (docs/http-api.md, API keys): stored as hashes, a new key shown once.
  {
    name: "CreateApiKey",
    method: "POST",
    path: "/api-keys",
    entry: "functions/http/api-keys-create.ts",
    access: { table: "readwrite" },
  },
  {
    name: "ListApiKeys",
    method: "GET",
    path: "/api-keys",
    entry: "functions/http/api-keys-list.ts",
    access: { table: "readwrite" },
  },
  {
    name: "RevokeApiKey",
    method: "DELETE",
    path: "/api-keys/{keyId}",
    entry: "functions/http/api-keys-revoke.ts",
    access: { table: "readwrite" },
  },
  // The OpenAPI document, its reference page and the web console (docs/openapi.md, docs/console.md): public, no data.
  {
    // The document and its page, in one function (`also`).
    name: "OpenApiDocument",
    method: "GET",
    path: "/openapi.json",
    also: [{ name: "ApiReference", method: "GET", path: "/docs" }],
    entry: "functions/http/openapi.ts",
    access: { table: "read" },
  },
  {
    // The page and its files, in one function (`also`).
    name: "Console",
    method: "GET",
    path: "/console",
    also: [{ name: "ConsoleAsset", method: "GET", path: "/console/{file}" }],
    entry: "functions/http/console.ts",
    access: { table: "read" },
    assets: CONSOLE_ASSETS,
  },
];

export const CONSUMERS: ConsumerDef[] = [
  {
    name: "Deliver",
    queue: "deliveries",
    entry: "functions/queues/deliver.ts",
    access: {
      table: "readwrite",
      bucket: { prefixes: [BODIES, "files/"], actions: ["read"] },
      sendTo: ["deliveries", "webhooks"],
      ses: true,
      dkimKeys: true,
    },
    batchSize: 10,
    maxConcurrency: 20,
    timeoutSeconds: 120,
  },
  {
    name: "PostWebhooks",
    queue: "webhooks",
    entry: "functions/queues/post-webhooks.ts",
    // readwrite: the callback signing secret is created on first use.
    access: { table: "readwrite" },
    batchSize: 10,
    maxConcurrency: 10,
    timeoutSeconds: 30,
  },
  {
    name: "SesEvents",
    queue: "sesEvents",
    entry: "functions/queues/ses-events.ts",
    access: { table: "readwrite", sendTo: ["webhooks"] },
    batchSize: 10,
    maxConcurrency: 5,
    timeoutSeconds: 30,
  },
];

export const SCHEDULES: ScheduleDef[] = [
  {
    name: "Sweep",
    rate: "1 minute",
    entry: "functions/scheduled/sweep.ts",
    // Also sends again the webhook records the outbox still holds long after they were queued.
    access: { table: "readwrite", sendTo: ["deliveries", "webhooks"] },
    timeoutSeconds: 60,
  },
  {
    name: "RecheckDomains",
    rate: "1 day",
    entry: "functions/scheduled/recheck-domains.ts",
    access: { table: "readwrite", sendTo: ["webhooks"], sesIdentities: true },
  },
  {
    // The statistics counters of each closed day into day and month items (shared/statistics/rollup.ts).
    name: "RollupStatistics",
    rate: "1 hour",
    entry: "functions/scheduled/rollup-statistics.ts",
    access: { table: "readwrite" },
    timeoutSeconds: 900,
  },
];
