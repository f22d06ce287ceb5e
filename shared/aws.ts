// The one place AWS clients are built. Locally they point at the embedded stand-ins with dummy
// credentials; on AWS they take the Lambda role's credentials and the region from the environment.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Config } from "./config.ts";

/** What every function uses. */
export interface CoreClients {
  dynamo: DynamoDBClient;
  ddb: DynamoDBDocumentClient;
  sqs: SQSClient;
}

export interface AwsClients extends CoreClients {
  s3: S3Client;
}

/** s3rver accepts only this key pair; the other stand-ins accept anything. */
const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

const clientBase = (config: Config) => ({ region: config.region, ...(config.mode === "local" ? { credentials: LOCAL_CREDENTIALS } : {}) });

/** Without S3: a function that calls only this bundles no S3 client (shared/deps.ts makeCoreDeps). */
export function makeCoreClients(config: Config): CoreClients {
  const base = clientBase(config);
  const dynamo = countRequests(new DynamoDBClient({ ...base, endpoint: config.endpoints.dynamodb }), "DynamoDB");
  return {
    dynamo,
    ddb: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    // SQS commands add no middleware of their own, so the client can resolve its middleware
    // stack once per command type instead of on every call (a quarter less CPU a call, measured).
    // Not for DynamoDB: lib-dynamodb's document client refuses the option.
    sqs: countRequests(new SQSClient({ ...base, endpoint: config.endpoints.sqs, cacheMiddleware: true }), "SQS"),
  };
}

export function makeAwsClients(config: Config): AwsClients {
  const local = config.mode === "local";
  return {
    ...makeCoreClients(config),
    s3: countRequests(new S3Client({
      ...clientBase(config),
      endpoint: config.endpoints.s3,
      forcePathStyle: local,
      // s3rver corrupts uploads sent with the default streaming checksums.
      requestChecksumCalculation: local ? "WHEN_REQUIRED" : undefined,
      responseChecksumValidation: local ? "WHEN_REQUIRED" : undefined,
    }), "S3"),
  };
}

/** One AWS call as the benchmark's request counter sees it (`npm run bench`, bench/usage-meter.ts). */
export interface AwsCall {
  service: "DynamoDB" | "S3" | "SQS";
  /** The API operation, e.g. "BatchWriteItem". */
  operation: string;
  input: Record<string, any>;
  /** Absent when the call failed. */
  output?: Record<string, any>;
  /** From the call to its answer, retries included. */
  ms: number;
}

let awsCallObserver: ((call: AwsCall) => void) | undefined;

export function observeAwsCalls(observer: (call: AwsCall) => void) {
  awsCallObserver = observer;
}

// DynamoDB says what capacity a call consumed only when asked; these operations accept the question.
const CAPACITY_OPERATIONS = /^(?:(?:Get|Put|Update|Delete)Item|Query|Scan|Batch(?:Get|Write)Item|Transact(?:Get|Write)Items)Command$/;

/** Only with POSTHASTE_COUNT_AWS_REQUESTS set (benchmarks) is a middleware installed; otherwise nothing changes. */
function countRequests<C extends { middlewareStack: { add(middleware: any, options: any): void } }>(client: C, service: AwsCall["service"]): C {
  if (!process.env.POSTHASTE_COUNT_AWS_REQUESTS) return client;
  const counter = (next: (args: any) => Promise<any>, context: { commandName?: string }) => async (args: { input: Record<string, any> }) => {
    const commandName = context.commandName ?? "Unknown";
    const input = service === "DynamoDB" && CAPACITY_OPERATIONS.test(commandName) ? { ...args.input, ReturnConsumedCapacity: "TOTAL" } : args.input;
    const operation = commandName.replace(/Command$/, "");
    const started = performance.now();
    try {
      const result = await next({ ...args, input });
      awsCallObserver?.({ service, operation, input, output: result.output, ms: performance.now() - started });
      return result;
    } catch (error) {
      awsCallObserver?.({ service, operation, input, ms: performance.now() - started });
      throw error;
    }
  };
  client.middlewareStack.add(counter, { step: "initialize", name: "posthasteRequestCounter" });
  return client;
}
