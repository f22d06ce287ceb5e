// Real dependencies against the shared stand-ins, isolated per test file by unique names:
// a table, a bucket and queues of its own.
import { inject } from "vitest";
import { randomBytes } from "node:crypto";
import { makeAwsClients } from "../../shared/aws.ts";
import { loadConfig, type Config } from "../../shared/config.ts";
import { makeDeps } from "../../shared/deps.ts";

import { ensureBucket, ensureQueues, ensureTable, type LocalQueue } from "../../local/resources.ts";
import type { QueueName } from "../../functions/manifest.ts";
import type { StatusListener } from "../../shared/domain/status.ts";

export interface TestEnv {
  config: Config;
  deps: ReturnType<typeof makeDeps>;
  queues: Record<QueueName, LocalQueue>;
  env: Record<string, string>;
}

export async function makeTestEnv(options: { env?: Record<string, string>; listeners?: StatusListener[] } = {}): Promise<TestEnv> {
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
  Object.assign(env, { DELIVERIES_QUEUE_URL: queues.deliveries.url, WEBHOOKS_QUEUE_URL: queues.webhooks.url, SES_EVENTS_QUEUE_URL: queues.sesEvents.url });
  const config = loadConfig(env);
  return { config, deps: makeDeps(config, clients, options.listeners ?? []), queues, env };
}

/** A fresh account with a verified sender domain and an API key. */
export async function makeAccount(deps: TestEnv["deps"], domain = "example.com") {
  const account = await deps.accounts.createAccount(`test ${randomBytes(3).toString("hex")}`);
  await deps.accounts.addDomain(account.accountId, domain, true);
  const apiKey = await deps.accounts.createApiKey(account.accountId);
  const caller = (await deps.accounts.findCallerByApiKey(apiKey))!;
  return { account, apiKey, caller };
}
