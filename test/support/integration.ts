// Real dependencies against the shared stand-ins, isolated per test file by unique names:
// a table, a bucket and queues of its own.
import { inject } from "vitest";
import { randomBytes } from "node:crypto";
import { makeAwsClients } from "../../shared/aws.ts";
import { loadConfig, type Config } from "../../shared/config.ts";
import {
  acceptDeps,
  accountCache,
  accountStore,
  bodyStore,
  deliveryQueue,
  dynamo,
  fileStore,
  idempotencyStore,
  messageStore,
  rateLimiter,
  s3,
  sqs,
  statusService,
  suppressionStore,
  unitsOfWork,
  webhookEndpoints,
  wiring,
  type WiringOptions,
} from "../../shared/wiring.ts";
import { ensureBucket, ensureQueues, ensureTable, type LocalQueue } from "../../local/resources.ts";
import type { QueueName } from "../../functions/manifest.ts";
import type { StatusListener } from "../../shared/domain/status.ts";

/**
 * Every dependency a handler or service of this code base takes, built by shared/wiring.ts
 * from one context, so any handler's makeHandler accepts it.
 */
export function testDeps(options: WiringOptions) {
  const w = wiring(options);
  return {
    ...acceptDeps(w),
    config: w.config,
    clients: { ...dynamo(w), sqs: sqs(w), s3: s3(w) },
    accounts: accountStore(w),
    accountCache: accountCache(w),
    messages: messageStore(w),
    suppressions: suppressionStore(w),
    idempotency: idempotencyStore(w),
    rateLimiter: rateLimiter(w),
    bodies: bodyStore(w),
    files: fileStore(w),
    unitsOfWork: unitsOfWork(w),
    deliveryQueue: deliveryQueue(w),
    status: statusService(w),
    wiring: w,
  };
}

export type TestDeps = ReturnType<typeof testDeps>;

/** The clients a TestDeps was built with, in the shape WiringOptions takes them. */
export const sharedClients = (clients: TestDeps["clients"]) => ({
  dynamo: { dynamo: clients.dynamo, ddb: clients.ddb },
  sqs: clients.sqs,
  s3: clients.s3,
});

export interface TestEnv {
  config: Config;
  deps: TestDeps;
  queues: Record<QueueName, LocalQueue>;
  env: Record<string, string>;
}

/**
 * `listeners` replaces the status listeners (none by default); `productionListeners` keeps the
 * ones every entry has (webhooks and the statistics counters).
 */
export async function makeTestEnv(
  options: { env?: Record<string, string>; listeners?: StatusListener[]; productionListeners?: boolean } = {},
): Promise<TestEnv> {
  const endpoints = inject("endpoints");
  const suffix = randomBytes(4).toString("hex");
  const env: Record<string, string> = {
    POSTHASTE_MODE: "local",
    TABLE_NAME: `test-${suffix}`,
    BUCKET_NAME: `test-${suffix}`,
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    SQS_ENDPOINT: endpoints.sqs,
    S3_ENDPOINT: endpoints.s3,
    LINK_SECRET: "test-link-secret",
    PUBLIC_URL: "http://posthaste.test",
    ...options.env,
  };
  const bootConfig = loadConfig(env);
  const clients = makeAwsClients(bootConfig);
  await ensureTable(clients.dynamo, bootConfig.tableName);
  await ensureBucket(clients.s3, bootConfig.bucketName);
  const queues = await ensureQueues(clients.sqs, `test-${suffix}`);
  Object.assign(env, {
    DELIVERIES_QUEUE_URL: queues.deliveries.url,
    WEBHOOKS_QUEUE_URL: queues.webhooks.url,
    SES_EVENTS_QUEUE_URL: queues.sesEvents.url,
  });
  const config = loadConfig(env);
  const listeners = options.productionListeners ? undefined : (options.listeners ?? []);
  return { config, deps: testDeps({ config, clients: sharedClients(clients), listeners }), queues, env };
}

/** A fresh account with a verified sender domain and an API key. */
export async function makeAccount(deps: TestEnv["deps"], domain = "example.com") {
  const account = await deps.accounts.createAccount(`test ${randomBytes(3).toString("hex")}`);
  await deps.accounts.addDomain(account.accountId, domain, true);
  const apiKey = await deps.accounts.createApiKey(account.accountId);
  const caller = (await deps.accounts.findCallerByApiKey(apiKey))!;
  return { account, apiKey, caller };
}

/** What the webhook API routes take besides authentication. */
export const webhookManageDeps = (deps: TestDeps) => ({ endpoints: webhookEndpoints(deps.wiring), config: deps.config });
