// The deliveries queue carries message ids only, never bodies (docs/architecture.md). A job names up to
// ten messages, so a 1,000-recipient request is 10 SendMessageBatch calls rather than 100, and a
// worker takes up to 100 messages a receive. A job that fails is received again whole: the
// copies already recorded as sent are skipped by the worker's claim.
import type { SQSClient } from "@aws-sdk/client-sqs";
import { chunk } from "../lib/chunk.ts";
import { coalesce } from "../lib/coalesce.ts";
import { sendBatch, SQS_MAX_DELAY_SECONDS } from "./sqs.ts";

export interface DeliveryJob {
  messageIds: string[];
  /**
   * Not to be sent before this time (epoch milliseconds): a scheduled send, or a retry. A job
   * that arrives earlier (SQS delays are whole seconds, at most 15 minutes) is put back.
   */
  notBefore?: number;
}

/** The message ids of a job; jobs written before jobs held several ids hold one `messageId`. */
export const messageIdsOf = (job: DeliveryJob | { messageId: string }): string[] =>
  "messageIds" in job ? job.messageIds : [job.messageId];

const SQS_BATCH_MAX = 10;
const IDS_PER_JOB = 10;

export function makeDeliveryQueue(sqs: SQSClient, queueUrl: string, options: { coalesce?: boolean } = {}) {
  async function send(messageIds: string[], delay: number, notBefore?: number) {
    const jobs = chunk(messageIds, IDS_PER_JOB).map((ids) => ({
      body: JSON.stringify({ messageIds: ids, ...(notBefore ? { notBefore } : {}) } satisfies DeliveryJob),
      delaySeconds: delay,
    }));
    await sendBatch(sqs, queueUrl, jobs, "delivery jobs");
  }
  // Concurrent SMTP sessions share SendMessageBatch calls under load (shared/lib/coalesce.ts).
  const sendNow = options.coalesce
    ? coalesce<string[]>(
        (units) => send(units.flat(), 0),
        { maxBatch: SQS_BATCH_MAX * IDS_PER_JOB, maxInFlight: 2 },
        (ids) => ids.length,
      )
    : (ids: string[]) => send(ids, 0);

  /** Enqueues one job per message id; entries SQS reports as failed are sent again. */
  async function enqueue(messageIds: string[], delaySeconds = 0) {
    const delay = Math.min(Math.max(0, Math.round(delaySeconds)), SQS_MAX_DELAY_SECONDS);
    if (messageIds.length === 0) return;
    await (delay === 0 ? sendNow(messageIds) : send(messageIds, delay));
  }

  return {
    enqueue,

    /**
     * Enqueues jobs not to be sent before `at`: delayed until then when that is within SQS's
     * longest delay, else by that much (the worker puts an early job back).
     */
    async enqueueAt(messageIds: string[], at: number, now = Date.now()) {
      if (messageIds.length === 0) return;
      if (at <= now) return enqueue(messageIds);
      const delay = Math.min(Math.ceil((at - now) / 1000), SQS_MAX_DELAY_SECONDS);
      await send(messageIds, delay, at);
    },
  };
}

export type DeliveryQueue = ReturnType<typeof makeDeliveryQueue>;
