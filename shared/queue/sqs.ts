// The SQS mechanics every queue of this folder shares: batch sends that send again, with
// backoff and jitter, the entries SQS reports as failed, and a record's visibility.
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { untilAllDone } from "../lib/backoff.ts";
import { chunk } from "../lib/chunk.ts";

const SQS_BATCH_MAX = 10;
const SEND_ATTEMPTS = 5;
const SEND_BACKOFF_MS = 50;
/** SQS's longest delay for a message. */
export const SQS_MAX_DELAY_SECONDS = 900;
/** SQS refuses a longer visibility timeout (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

export interface Outgoing {
  body: string;
  delaySeconds?: number;
}

/** Sends the messages in batches of ten, all at once; what SQS refuses is sent again. */
export async function sendBatch(sqs: SQSClient, queueUrl: string, messages: Outgoing[], what: string): Promise<void> {
  await Promise.all(
    chunk(messages, SQS_BATCH_MAX).map((batch) =>
      untilAllDone(
        batch,
        async (pending) => {
          const result = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: pending.map((message, index) => ({
                Id: String(index),
                MessageBody: message.body,
                DelaySeconds: message.delaySeconds || undefined,
              })),
            }),
          );
          return (result.Failed ?? []).map((failure) => pending[Number(failure.Id)]);
        },
        { attempts: SEND_ATTEMPTS, baseMs: SEND_BACKOFF_MS, what },
      ),
    ),
  );
}

/** Makes a received record visible again after `seconds` (at most SQS's 12 hours). */
export async function changeVisibility(sqs: SQSClient, queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
  const timeout = Math.min(Math.max(0, Math.round(seconds)), SQS_MAX_VISIBILITY_SECONDS);
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: timeout }));
}
