// POST /webhooks/replay: sends the caller's parked webhook records (those that failed every
// attempt) back to the webhooks queue for a fresh set of attempts. Other accounts' parked
// records are not read, let alone touched.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, webhookRecordDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { requireAccountKey } from "../../shared/webhooks/manage.ts";
import { replayParkedWebhooks, type ReplayDeps } from "../../shared/webhooks/replay.ts";

/** API Gateway gives up after 29 s. */
const REPLAY_BUDGET_MS = 20_000;

export const makeHandler = (deps: AuthDeps, records: ReplayDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    requireAccountKey(request.caller);
    const { replayed, complete } = await replayParkedWebhooks(records, { accountId: request.caller.accountId, budgetMs: REPLAY_BUDGET_MS });
    return json(200, { Result: { Replayed: replayed, Complete: complete }, Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), webhookRecordDeps(w));
