// The one place AWS clients are built. Locally they point at the embedded stand-ins with dummy
// credentials; on AWS they take the Lambda role's credentials and the region from the environment.
// One factory per service, so a function bundles only the clients it uses (shared/wiring.ts).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SESv2Client, type SESv2ClientConfig } from "@aws-sdk/client-sesv2";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Config } from "./config.ts";

export type AwsService = "DynamoDB" | "S3" | "SQS" | "SES" | "SecretsManager";

/** One call as a middleware at the "initialize" step sees it: the command's input, then its output. */
export type CallHandler = (args: { input: object }) => Promise<{ output: unknown }>;

/** A middleware at the "initialize" step: wraps every call a client makes, retries included. */
export type CallMiddleware = (next: CallHandler, context: { commandName?: string }) => CallHandler;

/** Anything with a middleware stack (every SDK client), as far as an instrument uses it. */
export interface InstrumentableClient {
  middlewareStack: {
    add(middleware: CallMiddleware, options: { step: "initialize"; name: string }): void;
    remove(name: string): boolean;
  };
}

/**
 * Called with every client as it is built, before first use: a runtime that measures (the local
 * platform under `npm run bench`) adds its middleware here. Nothing is installed by default.
 */
export type ClientInstrument = (client: InstrumentableClient, service: AwsService) => void;

let instrument: ClientInstrument | undefined;

/** Hands every client built from now on in this process to `hook` (local/platform.ts passes its own hook on). */
export function instrumentClients(hook: ClientInstrument | undefined) {
  instrument = hook;
}

const built = <C extends InstrumentableClient>(client: C, service: AwsService): C => {
  // The SDK's logger middleware builds a log-filtered copy of every call's input and output (the
  // whole item, walked against the service's schema) even with no logger, only to hand it to a
  // no-op. No client here is given a logger, so the copy is CPU for nothing on every call.
  client.middlewareStack.remove("loggerMiddleware");
  instrument?.(client, service);
  return client;
};

/** s3rver accepts only this key pair; the other stand-ins accept anything. */
const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

type ClientSettings = Pick<Config, "mode" | "region" | "endpoints">;

const clientBase = (config: ClientSettings) => ({
  region: config.region,
  ...(config.mode === "local" ? { credentials: LOCAL_CREDENTIALS } : {}),
});

export interface DynamoClients {
  dynamo: DynamoDBClient;
  ddb: DynamoDBDocumentClient;
}

export function makeDynamoClients(config: ClientSettings): DynamoClients {
  const dynamo = built(new DynamoDBClient({ ...clientBase(config), endpoint: config.endpoints.dynamodb }), "DynamoDB");
  return { dynamo, ddb: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }) };
}

export function makeSqsClient(config: ClientSettings): SQSClient {
  // SQS commands add no middleware of their own, so the client can resolve its middleware
  // stack once per command type instead of on every call (a quarter less CPU a call, measured).
  // Not for DynamoDB: lib-dynamodb's document client refuses the option.
  return built(new SQSClient({ ...clientBase(config), endpoint: config.endpoints.sqs, cacheMiddleware: true }), "SQS");
}

export function makeS3Client(config: ClientSettings): S3Client {
  const local = config.mode === "local";
  return built(
    new S3Client({
      ...clientBase(config),
      endpoint: config.endpoints.s3,
      forcePathStyle: local,
      // s3rver corrupts uploads sent with the default streaming checksums.
      requestChecksumCalculation: local ? "WHEN_REQUIRED" : undefined,
      responseChecksumValidation: local ? "WHEN_REQUIRED" : undefined,
    }),
    "S3",
  );
}

type RetryStrategy = NonNullable<SESv2ClientConfig["retryStrategy"]>;
type RetryToken = Awaited<ReturnType<Extract<RetryStrategy, { acquireInitialRetryToken: unknown }>["acquireInitialRetryToken"]>>;

const SES_ATTEMPTS = 3;
const retryToken = (count: number): RetryToken => ({
  getRetryCount: () => count,
  // Full jitter up to 100 ms, 200 ms ... as the SDK's own standard strategy.
  getRetryDelay: () => (count === 0 ? 0 : Math.round(Math.random() * 100 * 2 ** count)),
});

/**
 * The SDK's retries without its retries of throttles: a throttled send goes straight back to the
 * delivery worker, which holds the message to the SES account's rate (shared/deliver/send-pacing.ts).
 * A retry the SDK made on its own would be a send no pacer counted, in a second whose budget
 * belongs to other sends. Server and network errors are retried, three attempts in all.
 */
const retryAllButThrottles: RetryStrategy = {
  acquireInitialRetryToken: async () => retryToken(0),
  refreshRetryTokenForRetry: async (token, info) => {
    if (info.errorType === "THROTTLING" || info.errorType === "CLIENT_ERROR" || token.getRetryCount() + 1 >= SES_ATTEMPTS) throw info.error;
    return retryToken(token.getRetryCount() + 1);
  },
  recordSuccess: () => undefined,
};

export function makeSesClient(config: ClientSettings): SESv2Client {
  return built(new SESv2Client({ ...clientBase(config), endpoint: config.endpoints.ses, retryStrategy: retryAllButThrottles }), "SES");
}

export function makeSecretsClient(config: ClientSettings): SecretsManagerClient {
  return built(new SecretsManagerClient({ ...clientBase(config), endpoint: config.endpoints.secretsManager }), "SecretsManager");
}

/** Every client, for tools and tests that use them all. */
export type AwsClients = DynamoClients & { sqs: SQSClient; s3: S3Client };

export const makeAwsClients = (config: ClientSettings): AwsClients => ({
  ...makeDynamoClients(config),
  sqs: makeSqsClient(config),
  s3: makeS3Client(config),
});
