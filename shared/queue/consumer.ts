// Every SQS consumer reports failed records one by one (partial batch response), so one bad
// record never re-runs the rest of its batch.
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { log } from "../log.ts";
import { observed } from "../observability.ts";

export function sqsConsumer(name: string, handleRecord: (record: SQSRecord) => Promise<void>) {
  return observed(async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          await handleRecord(record);
        } catch (error) {
          log.error(`${name}: record failed`, { sqsMessageId: record.messageId, body: record.body.slice(0, 200), error: String(error) });
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  });
}
