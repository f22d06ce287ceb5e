// POST /webhooks/{webhookId}/rotate-secret: a new signing secret; the old one signs too for a day.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, webhookEndpoints, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { rotateWebhookSecret, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: AuthDeps, webhooks: ManageWebhooksDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) =>
    json(200, { Result: await rotateWebhookSecret(webhooks, request.caller, request.event.pathParameters?.webhookId ?? ""), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), { endpoints: webhookEndpoints(w), config: w.config });
