// Webhooks queue consumer: posts status events to account endpoints and recipients' callbackUrl,
// one request per URL per batch; failed URLs are retried WEBHOOK_RETRY_SECONDS later, and a
// record whose last attempt (the queue's last receive) failed is parked for replay.
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { loadConfig } from "../../shared/config.ts";
import { deliverWebhookRecords, type DeliverWebhooksDeps } from "../../shared/webhooks/deliver-webhooks.ts";
import { postWebhook } from "../../shared/webhooks/poster.ts";
import { webhookEndpoints, webhookQueue, webhookRecords, wiring, type Wiring } from "../../shared/wiring.ts";
import { observed } from "../../shared/observability.ts";
import { QUEUES } from "../manifest.ts";

export const makeHandler = (deps: DeliverWebhooksDeps) =>
  observed((event: SQSEvent): Promise<SQSBatchResponse> => deliverWebhookRecords(deps, event.Records));

/** The consumer's dependencies; a record's attempts are the queue's receives (functions/manifest.ts). */
export function postWebhooksDeps(w: Wiring): DeliverWebhooksDeps {
  const { config } = w;
  return {
    endpoints: webhookEndpoints(w),
    post: postWebhook,
    mode: config.mode,
    timeoutMs: config.webhooks.timeoutMs,
    retrySeconds: config.webhooks.retrySeconds,
    attempts: QUEUES.webhooks.maxReceiveCount,
    outbox: webhookRecords(w),
    delayRetry: webhookQueue(w).delayRetry,
  };
}

export const handler = makeHandler(postWebhooksDeps(wiring({ config: loadConfig() })));
