// GET /webhooks: the account's webhook URLs and the secret that signs recipients' callbackUrl posts.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, webhookEndpoints, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { listWebhooks, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: AuthDeps, webhooks: ManageWebhooksDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) => json(200, { Result: await listWebhooks(webhooks, request.caller), Code: "ok" }));

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), { endpoints: webhookEndpoints(w), config: w.config });
