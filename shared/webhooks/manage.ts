// The webhook API (POST/GET /webhooks, DELETE /webhooks/{id}, POST /webhooks/{id}/rotate-secret):
// validation, the URL policy, and the shape of the answers. Endpoints belong to the account, so
// they are managed with an account key, not a project key.
import * as z from "zod/mini";
import { AppError } from "../domain/errors.ts";
import { parseOrThrow } from "../domain/reasons.ts";

import { CALLBACK_ENDPOINT_ID, type WebhookEndpoint, type WebhookEndpointStore } from "../store/webhook-endpoints.ts";
import { checkWebhookUrl, type Resolver, type UrlPolicyMode, type UrlRefusal } from "./url-policy.ts";
import type { Caller } from "../domain/account.ts";
import type { TestWebhookEvent } from "../domain/webhook.ts";
import { packJobs, type WebhookQueue } from "../queue/webhooks.ts";
import { randomUUID } from "node:crypto";

export interface ManageWebhooksDeps {
  endpoints: WebhookEndpointStore;
  config: { mode: UrlPolicyMode; webhooks: { maxEndpointsPerAccount: number } };
  /** Tests replace DNS. */
  resolve?: Resolver;
}

export const createSchema = z.strictObject({
  Url: z.string(),
  Description: z.optional(z.string().check(z.maxLength(256))),
});

const REFUSALS: Record<UrlRefusal, string> = {
  invalid_url: "Url is not a valid http(s) URL",
  url_not_allowed: "Url points at an address webhooks may not reach (private, loopback, link-local or unresolvable)",
};

export function webhookView(endpoint: WebhookEndpoint) {
  return {
    Id: endpoint.webhookId,
    ...(endpoint.url ? { Url: endpoint.url } : { Description: "Signs the requests to recipients' ExtraData.callbackUrl" }),
    ...(endpoint.url && endpoint.description ? { Description: endpoint.description } : {}),
    Secret: endpoint.secret,
    CreatedAt: new Date(endpoint.createdAt).toISOString(),
    ...(endpoint.secretRotatedAt ? { SecretRotatedAt: new Date(endpoint.secretRotatedAt).toISOString() } : {}),
    ...(endpoint.previousSecretUntil && endpoint.previousSecretUntil > Date.now()
      ? { PreviousSecretValidUntil: new Date(endpoint.previousSecretUntil).toISOString() }
      : {}),
  };
}

export function requireAccountKey(caller: Caller) {
  if (caller.projectId) throw new AppError("forbidden", { message: "Webhooks belong to the account: use an account API key" });
}

export async function createWebhook(deps: ManageWebhooksDeps, caller: Caller, input: unknown) {
  requireAccountKey(caller);
  const parsed = { data: parseOrThrow(createSchema, input ?? {}) };
  const url = parsed.data.Url.trim();
  const refusal = await checkWebhookUrl(url, deps.config.mode, deps.resolve);
  if (refusal) throw new AppError("validation_error", { message: REFUSALS[refusal], reasons: [{ key: refusal, ref: "Url" }] });
  const existing = await deps.endpoints.listUrlEndpoints(caller.accountId);
  const max = deps.config.webhooks.maxEndpointsPerAccount;
  if (existing.length >= max) {
    throw new AppError("validation_error", {
      message: `An account may have at most ${max} webhook URLs`,
      reasons: [{ key: "too_many_webhooks", ref: "Url" }],
    });
  }
  return webhookView(await deps.endpoints.add(caller.accountId, { url, description: parsed.data.Description }));
}

/** The account's endpoints, the callback signer first (created on first use, so its secret can always be read). */
export async function listWebhooks(deps: ManageWebhooksDeps, caller: Caller) {
  requireAccountKey(caller);
  await deps.endpoints.callbackEndpoint(caller.accountId);
  const endpoints = await deps.endpoints.list(caller.accountId);
  return endpoints
    .sort((a, b) => Number(b.webhookId === CALLBACK_ENDPOINT_ID) - Number(a.webhookId === CALLBACK_ENDPOINT_ID))
    .map(webhookView);
}

export async function removeWebhook(deps: ManageWebhooksDeps, caller: Caller, webhookId: string) {
  requireAccountKey(caller);
  if (webhookId === CALLBACK_ENDPOINT_ID) {
    throw new AppError("validation_error", {
      message: "The callback signing secret cannot be removed; rotate it instead",
      reasons: [{ key: "not_removable", ref: "id" }],
    });
  }
  if (!(await deps.endpoints.remove(caller.accountId, webhookId))) throw notFound(webhookId);
}

export async function rotateWebhookSecret(deps: ManageWebhooksDeps, caller: Caller, webhookId: string) {
  requireAccountKey(caller);
  const endpoint = await deps.endpoints.rotateSecret(caller.accountId, webhookId);
  if (!endpoint) throw notFound(webhookId);
  return webhookView(endpoint);
}

const notFound = (webhookId: string) =>
  new AppError("not_found", { message: `Webhook ${webhookId} was not found`, reasons: [{ key: "not_found", ref: "id" }] });

/**
 * Queues a `webhook.test` event for one webhook URL, through the same queue, signing and retries
 * as every event; the answer says it was queued, not that the receiver took it.
 */
export async function sendTestEvent(
  deps: { endpoints: Pick<WebhookEndpointStore, "listUrlEndpoints">; queue: Pick<WebhookQueue, "enqueue"> },
  caller: Caller,
  webhookId: string,
  now = Date.now(),
) {
  requireAccountKey(caller);
  const endpoint = (await deps.endpoints.listUrlEndpoints(caller.accountId)).find((e) => e.webhookId === webhookId);
  if (!endpoint) throw notFound(webhookId);
  const event: TestWebhookEvent = { event: "webhook.test", eventId: `test-${randomUUID()}`, ts: now, webhookId };
  await deps.queue.enqueue(packJobs([{ accountId: caller.accountId, target: { endpointId: webhookId }, event }]));
  return { EventId: event.eventId };
}
