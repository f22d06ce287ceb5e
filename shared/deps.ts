// Dependencies built once per container (DESIGN §3): AWS clients, then the stores and services
// on top of them. Handlers take what they need from here; tests build their own.
import { makeAwsClients, makeDynamoClients, makeSqsClient, type AwsClients, type DynamoClients } from "./aws.ts";
import type { SQSClient } from "@aws-sdk/client-sqs";
type CoreClients = DynamoClients & { sqs: SQSClient };
const makeCoreClients = (config: Config): CoreClients => ({ ...makeDynamoClients(config), sqs: makeSqsClient(config) });
import type { Config } from "./config.ts";
import { makeBodyStore } from "./files/bodies.ts";
import { makeDeliveryQueue } from "./queue/deliveries.ts";
import { makeAccountStore } from "./store/accounts.ts";
import { makeAccountFacts } from "./store/account-cache.ts";
import { makeFileStore } from "./files/files.ts";
import { makeIdempotencyStore } from "./store/idempotency.ts";
import { makeMessageStore } from "./store/messages.ts";
import { makeRateLimiter } from "./store/rate-limit.ts";
import { makeSuppressionStore } from "./store/suppressions.ts";
import { makeStatusService } from "./status/status-service.ts";
import { statusListeners } from "./status/listeners.ts";
import type { StatusListener } from "./domain/status.ts";

export interface DepsOptions {
  /**
   * Group commit of accept-path writes across concurrent submissions (shared/coalesce.ts): for
   * the SMTP door, a long-running server with many sessions. Lambda handlers leave it off.
   */
  coalesce?: boolean;
}

/**
 * Everything but the S3-backed stores (files, bodies). The functions that never touch S3 build
 * only these, so their bundles leave the S3 client out (about 140 KB).
 */
export function makeCoreDeps(
  config: Config,
  clients: CoreClients = makeCoreClients(config),
  listeners: StatusListener[] = statusListeners(config, clients),
  options: DepsOptions = {},
) {
  const { ddb, sqs } = clients;
  const { coalesce } = options;
  // Sender checks run on every submission: both doors read them through a short cache.
  const facts = makeAccountFacts(makeAccountStore(ddb, config.tableName));
  const accounts = facts.accounts;
  const messages = makeMessageStore(ddb, config.tableName, { coalesce });
  const suppressions = makeSuppressionStore(ddb, config.tableName, { coalesce });
  return {
    config,
    clients,
    accounts,
    facts,
    messages,
    suppressions,
    idempotency: makeIdempotencyStore(ddb, config.tableName),
    rateLimiter: makeRateLimiter(ddb, config.tableName),
    deliveryQueue: makeDeliveryQueue(sqs, config.queueUrls.deliveries, { coalesce }),
    status: makeStatusService({ messages, suppressions, listeners }),
    retentionHours: config.retentionHours,
  };
}

/** All dependencies: for the functions that store or read bodies and files, the SMTP door and tests. */
export function makeDeps(
  config: Config,
  clients: AwsClients = makeAwsClients(config),
  listeners: StatusListener[] = statusListeners(config, clients),
  options: DepsOptions = {},
) {
  return {
    ...makeCoreDeps(config, clients, listeners, options),
    clients, // the same object, typed with its S3 client
    files: makeFileStore(clients, config),
    bodies: makeBodyStore(clients, config, config.limits.inlineBodyBytes),
  };
}

export type CoreDeps = ReturnType<typeof makeCoreDeps>;
export type Deps = ReturnType<typeof makeDeps>;
