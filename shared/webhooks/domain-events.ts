// Events of an account's sending domains (domain.verification_failed) go to every webhook URL
// of the account, through the same outbox and queue as status changes (docs/webhooks.md).
import type { DomainWebhookEvent } from "../domain/sending-domain.ts";
import { packJobs, type WebhookQueue } from "../queue/webhooks.ts";
import type { WebhookEndpointStore } from "../store/webhook-endpoints.ts";

export function makeDomainEventNotifier(deps: {
  endpoints: Pick<WebhookEndpointStore, "listUrlEndpoints">;
  queue: Pick<WebhookQueue, "enqueue">;
}) {
  return async (accountId: string, event: DomainWebhookEvent) => {
    const endpoints = await deps.endpoints.listUrlEndpoints(accountId);
    if (endpoints.length === 0) return;
    await deps.queue.enqueue(packJobs(endpoints.map((e) => ({ accountId, target: { endpointId: e.webhookId }, event }))));
  };
}
