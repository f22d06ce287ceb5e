// Dependencies built once per container (DESIGN §3): AWS clients, then the stores and services
// on top of them. Handlers take what they need from here; tests build their own.
import { makeAwsClients, type AwsClients } from "./aws.ts";
import type { Config } from "./config.ts";
import { makeBodyStore } from "./files/bodies.ts";
import { makeDeliveryQueue } from "./queue/deliveries.ts";
import { makeAccountStore } from "./store/accounts.ts";
import { makeAccountFacts } from "./store/account-facts.ts";
import { makeFileStore } from "./files/files.ts";
import { makeIdempotencyStore } from "./store/idempotency.ts";
import { makeMessageStore } from "./store/messages.ts";
import { makeRateLimiter } from "./store/rate-limit.ts";
import { makeSuppressionStore } from "./store/suppressions.ts";
import { makeStatusService, type StatusListener } from "./status/status-service.ts";
import { statusListeners } from "./status/listeners.ts";

export interface DepsOptions {
  /**
   * Group commit of accept-path writes across concurrent submissions (shared/coalesce.ts): for
   * the SMTP door, a long-running server with many sessions. Lambda handlers leave it off.
   */
  coalesce?: boolean;
}

export function makeDeps(
  config: Config,
  clients: AwsClients = makeAwsClients(config),
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
    files: makeFileStore(clients, config),
    messages,
    suppressions,
    idempotency: makeIdempotencyStore(ddb, config.tableName),
    rateLimiter: makeRateLimiter(ddb, config.tableName),
    bodies: makeBodyStore(clients, config, config.limits.inlineBodyBytes),
    deliveryQueue: makeDeliveryQueue(sqs, config.queueUrls.deliveries, { coalesce }),
    status: makeStatusService({ messages, suppressions, listeners }),
    retentionHours: config.retentionHours,
  };
}

export type Deps = ReturnType<typeof makeDeps>;
