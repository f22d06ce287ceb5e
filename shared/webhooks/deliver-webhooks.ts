// Posts a batch of webhook records: records for the same target become one request (one JSON
// array), each target independently. A 2xx completes its records; anything else keeps them
// in the queue for another try `retrySeconds` later (the record's visibility is set to that);
// after the queue's last receive SQS parks them in the dead-letter queue.
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { log } from "../log.ts";
import { signingSecrets, type WebhookEndpointStore } from "./endpoints.ts";
import { orderEvents } from "./payload.ts";
import type { PostResult, WebhookPoster } from "./poster.ts";
import { parseJob, targetKey, type WebhookJob } from "./queue.ts";
import { signatureHeaders } from "./signature.ts";
import { urlSyntaxProblem, type UrlPolicyMode } from "./url-policy.ts";

export interface DeliverWebhooksDeps {
  endpoints: Pick<WebhookEndpointStore, "get" | "callbackEndpoint">;
  post: WebhookPoster;
  mode: UrlPolicyMode;
  timeoutMs: number;
  retrySeconds: number;
  /** Makes a failed record visible again after `seconds` (SQS ChangeMessageVisibility). */
  delayRetry(receiptHandle: string, seconds: number): Promise<void>;
}

interface Destination {
  url: string;
  secrets: string[];
}

type Outcome = "delivered" | "dropped" | "retry";

export async function deliverWebhookRecords(deps: DeliverWebhooksDeps, records: SQSRecord[]): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  const groups = new Map<string, { job: WebhookJob; records: SQSRecord[]; jobs: WebhookJob[] }>();
  for (const record of records) {
    let job: WebhookJob;
    try {
      job = parseJob(record.body);
    } catch (error) {
      // Kept, so that it ends in the dead-letter queue where an operator can look at it.
      log.error("webhook record is unreadable", { sqsMessageId: record.messageId, error: String(error) });
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const key = targetKey(job);
    const group = groups.get(key) ?? { job, records: [], jobs: [] };
    group.records.push(record);
    group.jobs.push(job);
    groups.set(key, group);
  }

  await Promise.all(
    [...groups.values()].map(async (group) => {
      let outcome: Outcome;
      try {
        outcome = await deliverGroup(deps, group.job, group.jobs, group.records);
      } catch (error) {
        log.error("webhook delivery failed", { target: targetKey(group.job), error: String(error) });
        outcome = "retry";
      }
      if (outcome !== "retry") return;
      await Promise.all(
        group.records.map(async (record) => {
          failures.push({ itemIdentifier: record.messageId });
          await deps.delayRetry(record.receiptHandle, deps.retrySeconds).catch((error) =>
            log.warn("could not delay a webhook retry; it comes back after the queue's visibility timeout", { error: String(error) }),
          );
        }),
      );
    }),
  );
  return { batchItemFailures: failures };
}

async function deliverGroup(deps: DeliverWebhooksDeps, job: WebhookJob, jobs: WebhookJob[], records: SQSRecord[]): Promise<Outcome> {
  const destination = await destinationOf(deps, job);
  if (!destination) return "dropped";
  const problem = urlSyntaxProblem(destination.url, deps.mode);
  if (problem) {
    log.warn("webhook URL refused; its events are dropped", { accountId: job.accountId, url: destination.url, problem });
    return "dropped";
  }
  const events = orderEvents(jobs.flatMap((j) => j.events));
  const body = JSON.stringify(events);
  const result: PostResult = await deps.post(destination.url, body, {
    mode: deps.mode,
    timeoutMs: deps.timeoutMs,
    headers: signatureHeaders(destination.secrets, body),
  });
  const fields = {
    accountId: job.accountId,
    url: destination.url,
    events: events.length,
    messageIds: [...new Set(events.map((e) => e.messageId))].slice(0, 20),
    attempt: Math.max(...records.map((r) => Number(r.attributes?.ApproximateReceiveCount ?? 1))),
  };
  if (result.ok) {
    log.info("webhook delivered", { ...fields, status: result.status });
    return "delivered";
  }
  if (result.refused) {
    log.warn("webhook address refused; its events are dropped", { ...fields, error: result.error });
    return "dropped";
  }
  log.warn("webhook post failed; will retry", { ...fields, status: result.status, error: result.error, retryInSeconds: deps.retrySeconds });
  return "retry";
}

async function destinationOf(deps: DeliverWebhooksDeps, job: WebhookJob): Promise<Destination | undefined> {
  if ("callbackUrl" in job.target) {
    const endpoint = await deps.endpoints.callbackEndpoint(job.accountId);
    return { url: job.target.callbackUrl, secrets: signingSecrets(endpoint) };
  }
  const endpoint = await deps.endpoints.get(job.accountId, job.target.endpointId);
  if (!endpoint?.url) {
    log.info("webhook endpoint was removed; its events are dropped", { accountId: job.accountId, webhookId: job.target.endpointId });
    return undefined;
  }
  return { url: endpoint.url, secrets: signingSecrets(endpoint) };
}
