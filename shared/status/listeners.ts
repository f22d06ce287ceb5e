// The status listeners every entry point that changes statuses installs. Webhooks (and later
// reports and counters) plug in here, so no handler has to know about them.
import type { CoreDeps } from "../deps.ts";
type CoreClients = CoreDeps["clients"];
import type { Config } from "../config.ts";
import { log } from "../log.ts";
import { makeWebhookEndpointStore } from "../store/webhook-endpoints.ts";
import { makeWebhookListener } from "../webhooks/listener.ts";
import { makeWebhookOutbox } from "../store/webhook-records.ts";
import { makeWebhookQueue } from "../queue/webhooks.ts";
import type { StatusListener } from "../domain/status.ts";

export function statusListeners(config: Config, clients: CoreClients): StatusListener[] {
  const listeners: StatusListener[] = [];
  if (config.queueUrls.webhooks) {
    listeners.push(
      makeWebhookListener({
        endpoints: makeWebhookEndpointStore(clients.ddb, config.tableName),
        queue: makeWebhookQueue(clients.sqs, config.queueUrls.webhooks, makeWebhookOutbox(clients.ddb, config.tableName)),
        cacheSeconds: config.webhooks.endpointCacheSeconds,
      }),
    );
  } else {
    // Tools that only read (the admin CLI, scripts) have no queue; an entry point that records statuses must.
    log.warn("WEBHOOKS_QUEUE_URL is not set: status changes will not be posted to webhooks");
  }
  return listeners;
}
