// Reference for HTTP accept: the AWS calls one single-recipient accept makes (one BatchWriteItem
// with the message and its body, one SendMessageBatch), made alone from their own process
// against the same stand-ins, through clients built the way the handlers build theirs. No
// gateway, no parsing, no Posthaste code: what the SDK and the stand-ins cost by themselves.
// Prints one JSON line: {"perSecond": n, "clientCpuMs": per accept, "count": n}.
import { randomBytes, randomUUID } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { CreateQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { makeDynamoClients, makeSqsClient } from "../../shared/aws.ts";
import { loadConfig } from "../../shared/config.ts";

const { DYNAMODB_ENDPOINT, SQS_ENDPOINT, TABLE_NAME, SECONDS, CONNECTIONS, AMOUNT } = process.env;
const config = loadConfig({
  POSTHASTE_MODE: "local",
  AWS_REGION: "us-east-1",
  TABLE_NAME,
  BUCKET_NAME: "unused",
  DYNAMODB_ENDPOINT,
  SQS_ENDPOINT,
  S3_ENDPOINT: "http://127.0.0.1:1",
  LINK_SECRET: "x",
});
const { ddb } = makeDynamoClients(config);
const sqs = makeSqsClient(config);
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `posthaste-bench-alone-${randomBytes(3).toString("hex")}` }));
// Deflated as well as Posthaste deflates a body (a window the input's size: zlib's default bytes, less to set up).
const deflate = (input: Buffer) => {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(input.length + 262))));
  return deflateRawSync(input, {
    windowBits,
    memLevel: Math.min(8, windowBits - 6),
    chunkSize: Math.min(16 * 1024, Math.max(1024, input.length)),
  });
};
const html = `<html><body>${"<p>Thank you for your order. We will let you know as soon as it ships.</p>".repeat(25)}</body></html>`;

async function oneAccept() {
  const messageId = randomUUID();
  const message = {
    pk: `MESSAGE#${messageId}`,
    sk: "MESSAGE",
    messageId,
    accountId: "bench",
    submissionId: messageId,
    bodyKey: `inline/bench/${messageId}`,
    from: { address: "orders@example.com", name: "Bench" },
    to: { address: "reader@example.org" },
    subject: "Your order, [Name]",
    mergeFields: { Name: "Reader" },
    extraData: {},
    options: { trackOpens: true, trackLinks: true, language: "en", skipUnsubscribe: false },
    status: "ACCEPTED",
    statusRank: 0,
    history: [{ status: "ACCEPTED", ts: Date.now() }],
    version: 1,
    attempts: 0,
    createdAt: Date.now(),
    expiresAt: 2_000_000_000,
    pendingShard: "0",
    dueAt: Date.now(),
  };
  const body = {
    pk: `BODY#bench/${messageId}`,
    sk: "BODY",
    deflated: deflate(Buffer.from(JSON.stringify({ subject: "x", html }))),
    expiresAt: 2_000_000_000,
  };
  await ddb.send(
    new BatchWriteCommand({ RequestItems: { [TABLE_NAME!]: [{ PutRequest: { Item: body } }, { PutRequest: { Item: message } }] } }),
  );
  await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: "0", MessageBody: JSON.stringify({ messageId }) }] }));
}

for (let i = 0; i < 20; i++) await oneAccept(); // warm the JIT and the connection pool
const deadline = Date.now() + Number(SECONDS ?? 5) * 1000;
const amount = Number(AMOUNT ?? Infinity);
let count = 0;
const cpu = process.cpuUsage();
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(CONNECTIONS ?? 50) }, async () => {
    while (Date.now() < deadline && count < amount) {
      count++;
      await oneAccept();
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ perSecond: count / seconds, clientCpuMs: (used.user + used.system) / 1000 / count, count }));
process.exit(0);
