// Moves parked webhook records from the dead-letter queue back to the webhooks queue, where
// they get a fresh set of attempts. The dead-letter queue is shared by all accounts: an
// account's replay moves only its own records and leaves the others where they are.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { log } from "../log.ts";
import { parseJob, sendBodies } from "./queue.ts";

export interface ReplayOptions {
  deadLetterQueueUrl: string;
  queueUrl: string;
  /** Only this account's records; all records when absent (the operator's replay). */
  accountId?: string;
  /** Stop taking new records after this long, so an HTTP call answers in time. */
  budgetMs?: number;
}

/** Records looked at but not moved stay hidden this long, so one pass sees each record once. */
const SKIP_SECONDS = 30;

export async function replayParkedWebhooks(sqs: SQSClient, options: ReplayOptions): Promise<{ replayed: number; complete: boolean }> {
  if (!options.deadLetterQueueUrl || !options.queueUrl) throw new Error("WEBHOOKS_DLQ_URL and WEBHOOKS_QUEUE_URL must be set to replay webhooks");
  const deadline = Date.now() + (options.budgetMs ?? 20_000);
  let replayed = 0;
  while (Date.now() < deadline) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: SKIP_SECONDS,
      }),
    );
    if (messages.length === 0) return { replayed, complete: true };
    const mine = messages.filter((message) => !options.accountId || belongsTo(message.Body ?? "", options.accountId));
    if (mine.length === 0) continue;
    // Send first, then delete: a crash in between replays a record twice, and receivers drop the duplicate by event id.
    await sendBodies(sqs, options.queueUrl, mine.map((m) => m.Body ?? ""));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.deadLetterQueueUrl,
        Entries: mine.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    replayed += mine.length;
  }
  log.info("webhook replay stopped at its time budget; call it again for the rest", { replayed, accountId: options.accountId });
  return { replayed, complete: false };
}

function belongsTo(body: string, accountId: string): boolean {
  try {
    return parseJob(body).accountId === accountId;
  } catch {
    return false;
  }
}
