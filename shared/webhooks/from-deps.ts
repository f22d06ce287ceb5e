// What the webhook entry points build from the container's dependencies.
import type { CoreDeps } from "../deps.ts";
import { makeWebhookEndpointStore } from "../store/webhook-endpoints.ts";
import type { ManageWebhooksDeps } from "./manage.ts";
import { makeWebhookOutbox } from "../store/webhook-records.ts";
import { makeWebhookQueue } from "../queue/webhooks.ts";

export function webhookDeps(deps: Pick<CoreDeps, "clients" | "config">): ManageWebhooksDeps {
  return { endpoints: makeWebhookEndpointStore(deps.clients.ddb, deps.config.tableName), config: deps.config };
}

/** The outbox and the queue, for the replay and the sweeper. */
export function webhookRecordDeps(deps: Pick<CoreDeps, "clients" | "config">) {
  const outbox = makeWebhookOutbox(deps.clients.ddb, deps.config.tableName);
  return { outbox, queue: makeWebhookQueue(deps.clients.sqs, deps.config.queueUrls.webhooks, outbox) };
}
