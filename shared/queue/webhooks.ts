// The webhooks queue. A record holds events for exactly one target (one account endpoint or one
// recipient callbackUrl), so a failing URL is retried and parked on its own and never holds
// back another URL's events. Events of one status notification that share a target travel in
// one record, which keeps a 1,000-recipient request to a handful of SQS calls. Every record is
// written to the outbox in DynamoDB before it is sent (shared/store/webhook-records.ts).
import type { SQSClient } from "@aws-sdk/client-sqs";
import { changeVisibility, sendBatch } from "./sqs.ts";
import { isOutboxKey, type WebhookRecordStore } from "../store/webhook-records.ts";
import type { AnyWebhookEvent } from "../domain/webhook.ts";
import type { WebhookJob, WebhookTarget } from "../domain/webhook.ts";

/** Records that go to the same URL with the same secret share this key. */
export const targetKey = (job: Pick<WebhookJob, "accountId" | "target">) =>
  "endpointId" in job.target
    ? `endpoint ${job.accountId} ${job.target.endpointId}`
    : `${job.target.shape === "infobip" ? "infobip" : "callback"} ${job.accountId} ${job.target.callbackUrl}`;

/** Ten records of this size stay under SQS's 256 KB limit for one batch call. */
const RECORD_BYTES_MAX = 24 * 1024;
const EVENTS_PER_RECORD_MAX = 50;

/** Groups events by target and cuts them into records that fit the limits above. */
export function packJobs(items: { accountId: string; target: WebhookTarget; event: AnyWebhookEvent }[]): WebhookJob[] {
  const byTarget = new Map<string, WebhookJob>();
  const jobs: WebhookJob[] = [];
  const sizes = new Map<WebhookJob, number>();
  for (const { accountId, target, event } of items) {
    const key = targetKey({ accountId, target });
    const eventBytes = Buffer.byteLength(JSON.stringify(event)) + 1;
    let job = byTarget.get(key);
    if (!job || job.events.length >= EVENTS_PER_RECORD_MAX || sizes.get(job)! + eventBytes > RECORD_BYTES_MAX) {
      job = { accountId, target, events: [] };
      sizes.set(job, Buffer.byteLength(JSON.stringify(job)));
      byTarget.set(key, job);
      jobs.push(job);
    }
    job.events.push(event);
    sizes.set(job, sizes.get(job)! + eventBytes);
  }
  return jobs;
}

export function makeWebhookQueue(sqs: SQSClient, queueUrl: string, outbox: Pick<WebhookRecordStore, "add">) {
  /** Sends records that are in the outbox already; entries SQS reports as failed are sent again. */
  async function send(jobs: WebhookJob[]) {
    if (jobs.length === 0) return;
    if (!queueUrl) throw new Error("WEBHOOKS_QUEUE_URL is not set");
    await sendBatch(
      sqs,
      queueUrl,
      jobs.map((job) => ({ body: JSON.stringify(job) })),
      "webhook records",
    );
  }
  return {
    queueUrl,
    send,
    /** Writes the records to the outbox, then sends them: from here on a crash loses none of them. */
    async enqueue(jobs: WebhookJob[]) {
      if (jobs.length > 0) await send(await outbox.add(jobs));
    },
    /** A failed record comes back after `seconds` (the webhook retry wait). */
    delayRetry: (receiptHandle: string, seconds: number) => changeVisibility(sqs, queueUrl, receiptHandle, seconds),
  };
}

export type WebhookQueue = ReturnType<typeof makeWebhookQueue>;

export function parseJob(body: string): WebhookJob {
  const job = JSON.parse(body) as WebhookJob;
  if (!job?.accountId || !job.target || !Array.isArray(job.events)) throw new Error("not a webhook record");
  if (job.outbox !== undefined && !isOutboxKey(job.outbox)) throw new Error("not a webhook outbox key");
  return job;
}
