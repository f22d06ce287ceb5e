// DELETE /webhooks/{webhookId}: stops posting to that URL; its records still queued are dropped.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, webhookEndpoints, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { removeWebhook, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: AuthDeps, webhooks: ManageWebhooksDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    await removeWebhook(webhooks, request.caller, request.event.pathParameters?.webhookId ?? "");
    return json(200, { Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), { endpoints: webhookEndpoints(w), config: w.config });
