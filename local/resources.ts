// Creates the table, bucket and queues on the stand-ins, the same ones the CDK stack creates.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { QUEUES, type QueueName } from "../functions/manifest.ts";
import { TABLE_SCHEMA } from "../shared/store/table-schema.ts";

export interface LocalQueue {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

export async function ensureTable(dynamo: DynamoDBClient, tableName: string) {
  if (await createTable(dynamo, tableName)) return;
  await addMissingIndexes(dynamo, tableName);
}

/** Creates the table; false when it exists already. */
async function createTable(dynamo: DynamoDBClient, tableName: string): Promise<boolean> {
  const { partitionKey, sortKey, globalSecondaryIndexes } = TABLE_SCHEMA;
  const attributes = new Map<string, "S" | "N">();
  for (const key of [partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])])
    attributes.set(key.name, key.type);
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        KeySchema: [
          { AttributeName: partitionKey.name, KeyType: "HASH" },
          { AttributeName: sortKey.name, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: globalSecondaryIndexes.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey.name, KeyType: "HASH" },
            { AttributeName: g.sortKey.name, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: g.projection },
        })),
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name !== "ResourceInUseException") throw error;
    return false;
  }
}

/**
 * A table made by an older version lacks the indexes added since. The stand-in cannot add an
 * index to a table, so the items are read, the table made again and the items written back
 * (a development table: seconds). Items written before keep no entry in the new indexes.
 */
async function addMissingIndexes(dynamo: DynamoDBClient, tableName: string) {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  if (TABLE_SCHEMA.globalSecondaryIndexes.every((index) => present.has(index.indexName))) return;
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
  for (let deadline = Date.now() + 30_000; ; ) {
    const gone = await dynamo.send(new DescribeTableCommand({ TableName: tableName })).then(
      () => false,
      (error) => (error as { name?: string }).name === "ResourceNotFoundException",
    );
    if (gone) break;
    if (Date.now() > deadline) throw new Error(`table ${tableName} was not deleted in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await createTable(dynamo, tableName);
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length) {
      const result = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
}

export async function ensureBucket(s3: S3Client, bucketName: string) {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  } catch (error) {
    if (!["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].includes((error as { name?: string }).name ?? "")) throw error;
  }
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** Each queue with its dead-letter queue, as in the stack. */
export async function ensureQueues(
  sqs: SQSClient,
  prefix: string,
  visibilityOverrideSeconds?: number,
): Promise<Record<QueueName, LocalQueue>> {
  const entries = await Promise.all(
    (Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]).map(async ([name, def]) => {
      const dlq = await createQueue(sqs, `${prefix}-${name}-dlq`, { MessageRetentionPeriod: "1209600" });
      const queue = await createQueue(sqs, `${prefix}-${name}`, {
        VisibilityTimeout: String(visibilityOverrideSeconds ?? def.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: def.maxReceiveCount }),
      });
      return [name, { url: queue.url, arn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<QueueName, LocalQueue>;
}

export const SES_EVENTS_TOPIC = "posthaste-ses-events";

/** SNS on the stand-in (fauxqs serves SNS on the SQS port). */
export const localSnsClient = (endpoint: string) =>
  new SNSClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });

/**
 * The topic SES publishes its events to, subscribed to the SES-events queue. Raw delivery is
 * off, so each record carries the SNS envelope around the SES JSON; the consumer reads both.
 */
export async function ensureSesEventsTopic(sns: SNSClient, queueArn: string, name = SES_EVENTS_TOPIC): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queueArn, Attributes: { RawMessageDelivery: "false" } }));
  return TopicArn!;
}
