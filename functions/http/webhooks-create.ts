// POST /webhooks: registers a URL that receives every status change of the account's messages.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, webhookEndpoints, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { createWebhook, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: AuthDeps, webhooks: ManageWebhooksDeps) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: 16 * 1024 }, async (request) =>
    json(201, { Result: await createWebhook(webhooks, request.caller, request.body), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), { endpoints: webhookEndpoints(w), config: w.config });
