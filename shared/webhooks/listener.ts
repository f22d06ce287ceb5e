// The status listener that feeds the webhooks queue: every new status change becomes an event
// for the recipient's callbackUrl and for each of the account's endpoints. The account's list of
// endpoints is read once per account and reused for a few seconds, so a busy sender does not
// cost a DynamoDB read per status change.

import { ttlCache } from "../lib/ttl-cache.ts";
import type { WebhookEndpointStore } from "../store/webhook-endpoints.ts";
import { buildWebhookEvent, CALLBACK_URL_FIELD } from "./payload.ts";
import { packJobs, type WebhookQueue } from "../queue/webhooks.ts";
import type { StatusEvent, StatusListener } from "../domain/status.ts";
import type { WebhookTarget } from "../domain/webhook.ts";
import { CALLBACK_DATA_FIELD, INTERMEDIATE_REPORT_FIELD, isReported, NOTIFY_URL_FIELD } from "../domain/infobip.ts";

export interface WebhookListenerDeps {
  endpoints: Pick<WebhookEndpointStore, "listUrlEndpoints">;
  queue: Pick<WebhookQueue, "enqueue">;
  cacheSeconds: number;
  now?: () => number;
}

export function makeWebhookListener(deps: WebhookListenerDeps): StatusListener {
  const cache = ttlCache<string[]>({ ttlMs: deps.cacheSeconds * 1000, maxEntries: 10_000, now: deps.now });
  const endpointIds = (accountId: string) =>
    cache.get(accountId, async () => (await deps.endpoints.listUrlEndpoints(accountId)).map((e) => e.webhookId));

  return async (events: StatusEvent[]) => {
    const accounts = [...new Set(events.map((e) => e.message.accountId))];
    const endpointsOf = new Map(await Promise.all(accounts.map(async (id) => [id, await endpointIds(id)] as const)));
    const items = events.flatMap((statusEvent) => {
      const { accountId, extraData } = statusEvent.message;
      const targets: WebhookTarget[] = endpointsOf.get(accountId)!.map((endpointId) => ({ endpointId }));
      const callbackUrl = extraData?.[CALLBACK_URL_FIELD];
      if (callbackUrl) targets.push({ callbackUrl });
      // A message sent through the Infobip door with a notifyUrl: its reports go there, in Infobip's shape.
      const notifyUrl = extraData?.[NOTIFY_URL_FIELD];
      const reported = notifyUrl && isReported(statusEvent.change.status, extraData[INTERMEDIATE_REPORT_FIELD] === "true");
      // Most messages have nowhere to go: no event is built for nobody.
      if (targets.length === 0 && !reported) return [];
      const event = buildWebhookEvent(statusEvent);
      const items = targets.map((target) => ({ accountId, target, event }));
      if (reported) {
        const callbackData = extraData[CALLBACK_DATA_FIELD];
        items.push({
          accountId,
          target: { callbackUrl: notifyUrl, shape: "infobip" },
          event: { ...event, sentAt: statusEvent.message.createdAt, ...(callbackData !== undefined ? { callbackData } : {}) },
        });
      }
      return items;
    });
    if (items.length > 0) await deps.queue.enqueue(packJobs(items));
  };
}
