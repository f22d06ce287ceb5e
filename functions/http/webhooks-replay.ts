// POST /webhooks/replay: moves the caller's parked webhook records (those that failed every
// attempt) from the dead-letter queue back to the webhooks queue for a fresh set of attempts.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { requireAccountKey } from "../../shared/webhooks/manage.ts";
import { replayParkedWebhooks } from "../../shared/webhooks/replay.ts";

/** API Gateway gives up after 29 s. */
const REPLAY_BUDGET_MS = 20_000;

export const makeHandler = (deps: CoreDeps) =>
  httpRoute({ auth: deps }, async (request) => {
    requireAccountKey(request.caller);
    const { replayed, complete } = await replayParkedWebhooks(deps.clients.sqs, {
      deadLetterQueueUrl: deps.config.webhooks.deadLetterQueueUrl,
      queueUrl: deps.config.queueUrls.webhooks,
      accountId: request.caller.accountId,
      budgetMs: REPLAY_BUDGET_MS,
    });
    return json(200, { Result: { Replayed: replayed, Complete: complete }, Code: "ok" });
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
