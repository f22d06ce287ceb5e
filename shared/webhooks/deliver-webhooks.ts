// Posts a batch of webhook records: records for the same target become one request (one JSON
// array), each target independently. A 2xx completes its records; anything else keeps them
// in the queue for another try `retrySeconds` later (the record's visibility is set to that),
// and a record whose last attempt failed is parked in its account's parked list, where
// POST /webhooks/replay finds it. A record done with either way leaves the outbox. Only what
// this consumer cannot handle at all (an unreadable record, a crash on every receive) ends in
// the queue's dead-letter queue, for an operator.
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { log } from "../log.ts";
import { METRIC, metrics } from "../observability.ts";
import { signingSecrets, type WebhookEndpointStore } from "../store/webhook-endpoints.ts";
import type { WebhookRecordStore } from "../store/webhook-records.ts";
import { orderEvents } from "./payload.ts";
import { infobipReport } from "../domain/infobip.ts";
import type { PostResult, WebhookPoster } from "./poster.ts";
import { parseJob, targetKey } from "../queue/webhooks.ts";
import { signatureHeaders } from "./signature.ts";
import { urlSyntaxProblem, type UrlPolicyMode } from "./url-policy.ts";
import { isMessageEvent, type ItemKey, type WebhookJob } from "../domain/webhook.ts";

export interface DeliverWebhooksDeps {
  endpoints: Pick<WebhookEndpointStore, "get" | "callbackEndpoint">;
  post: WebhookPoster;
  mode: UrlPolicyMode;
  timeoutMs: number;
  retrySeconds: number;
  /** Attempts of a record, the first one included; a record whose last attempt fails is parked. */
  attempts: number;
  outbox: Pick<WebhookRecordStore, "remove" | "park">;
  /** Makes a failed record visible again after `seconds` (SQS ChangeMessageVisibility). */
  delayRetry(receiptHandle: string, seconds: number): Promise<void>;
}

interface Destination {
  url: string;
  secrets: string[];
}

/** Delivered and dropped records are done with; a failed one carries the reason. */
type Outcome = "delivered" | "dropped" | { failed: string };

const attemptOf = (record: SQSRecord) => Number(record.attributes?.ApproximateReceiveCount ?? 1);

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

  const finished: ItemKey[] = [];
  const toPark: { job: WebhookJob; record: SQSRecord; reason: string }[] = [];
  await Promise.all(
    [...groups.values()].map(async (group) => {
      let outcome: Outcome;
      try {
        outcome = await deliverGroup(deps, group.job, group.jobs, group.records);
      } catch (error) {
        log.error("webhook delivery failed", { target: targetKey(group.job), error: String(error) });
        outcome = { failed: String(error) };
      }
      if (typeof outcome === "string") {
        finished.push(...group.jobs.flatMap((job) => (job.outbox ? [job.outbox] : [])));
        return;
      }
      const { failed: reason } = outcome;
      metrics.count(METRIC.webhookFailures);
      await Promise.all(
        group.records.map(async (record, i) => {
          if (attemptOf(record) >= deps.attempts) {
            toPark.push({ job: group.jobs[i], record, reason });
            return;
          }
          failures.push({ itemIdentifier: record.messageId });
          await deps
            .delayRetry(record.receiptHandle, deps.retrySeconds)
            .catch((error) =>
              log.warn("could not delay a webhook retry; it comes back after the queue's visibility timeout", { error: String(error) }),
            );
        }),
      );
    }),
  );

  if (toPark.length > 0) {
    try {
      await deps.outbox.park(toPark);
      for (const { job } of toPark)
        log.warn("webhook record parked after its last attempt; POST /webhooks/replay sends it again", {
          accountId: job.accountId,
          events: job.events.length,
        });
    } catch (error) {
      // Left to the queue: its next receive moves them to the dead-letter queue, and their outbox items stay for the sweeper.
      log.error("could not park webhook records", { count: toPark.length, error: String(error) });
      failures.push(...toPark.map((p) => ({ itemIdentifier: p.record.messageId })));
    }
  }
  if (finished.length > 0) {
    // Already posted: a failure here only means the sweeper posts them once more, later.
    await deps.outbox
      .remove(finished)
      .catch((error) =>
        log.warn("could not clear finished webhook records from the outbox", { count: finished.length, error: String(error) }),
      );
  }
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
  const infobip = "callbackUrl" in job.target && job.target.shape === "infobip";
  const body = JSON.stringify(infobip ? { results: events.filter(isMessageEvent).map(infobipReport) } : events);
  const result: PostResult = await deps.post(destination.url, body, {
    mode: deps.mode,
    timeoutMs: deps.timeoutMs,
    headers: signatureHeaders(destination.secrets, body),
  });
  const fields = {
    accountId: job.accountId,
    url: destination.url,
    events: events.length,
    messageIds: [...new Set(events.filter(isMessageEvent).map((e) => e.messageId))].slice(0, 20),
    attempt: Math.max(...records.map(attemptOf)),
  };
  if (result.ok) {
    log.info("webhook delivered", { ...fields, status: result.status });
    return "delivered";
  }
  if (result.refused) {
    log.warn("webhook address refused; its events are dropped", { ...fields, error: result.error });
    return "dropped";
  }
  log.warn("webhook post failed", { ...fields, status: result.status, error: result.error });
  return { failed: result.error };
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
