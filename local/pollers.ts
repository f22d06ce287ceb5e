// Stand-in for Lambda's SQS event source mapping: long-polls a queue, hands batches to the
// consumer as real SQSEvents, and deletes only the records the consumer did not report failed.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export type SqsLambda = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface Poller {
  stop(): Promise<void>;
}

export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? "String", stringValue: value.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: "us-east-1",
  };
}

export function startPoller(options: {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsLambda;
  batchSize: number;
  /** Parallel receive loops, like concurrent Lambda invocations. */
  concurrency: number;
  onError?: (error: unknown) => void;
}): Poller {
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) continue;
        const records = messages.map((m) => toSqsRecord(m, options.queueArn));
        let failed = new Set<string>();
        try {
          const response = await options.handler({ Records: records });
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          // A thrown invocation fails the whole batch, as on Lambda.
          failed = new Set(records.map((r) => r.messageId));
          options.onError?.(error);
        }
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
        }
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  return {
    async stop() {
      running = false;
      await Promise.allSettled(loops);
    },
  };
}
