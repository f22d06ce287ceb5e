// Webhooks queue consumer: posts status events to account endpoints and recipients' callbackUrl,
// one request per URL per batch; failed URLs are retried WEBHOOK_RETRY_SECONDS later, and a
// record whose last attempt (the queue's last receive) failed is parked for replay.
import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { deliverWebhookRecords, type DeliverWebhooksDeps } from "../../shared/webhooks/deliver-webhooks.ts";
import { makeWebhookEndpointStore } from "../../shared/store/webhook-endpoints.ts";
import { makeWebhookOutbox } from "../../shared/store/webhook-records.ts";
import { postWebhook } from "../../shared/webhooks/poster.ts";
import { QUEUES } from "../manifest.ts";

/** SQS refuses a longer visibility timeout (12 hours). */
const SQS_MAX_VISIBILITY_SECONDS = 43_200;

export const makeHandler = (deps: DeliverWebhooksDeps) => (event: SQSEvent): Promise<SQSBatchResponse> => deliverWebhookRecords(deps, event.Records);

export function makePostWebhooksDeps(deps: Pick<CoreDeps, "clients" | "config">): DeliverWebhooksDeps {
  const { config, clients } = deps;
  return {
    endpoints: makeWebhookEndpointStore(clients.ddb, config.tableName),
    post: postWebhook,
    mode: config.mode,
    timeoutMs: config.webhooks.timeoutMs,
    retrySeconds: config.webhooks.retrySeconds,
    attempts: QUEUES.webhooks.maxReceiveCount,
    outbox: makeWebhookOutbox(clients.ddb, config.tableName),
    delayRetry: async (receiptHandle, seconds) => {
      await clients.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: config.queueUrls.webhooks, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.min(Math.max(0, Math.round(seconds)), SQS_MAX_VISIBILITY_SECONDS) }),
      );
    },
  };
}

export const handler = makeHandler(makePostWebhooksDeps(makeCoreDeps(loadConfig())));
