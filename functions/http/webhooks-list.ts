// GET /webhooks: the account's webhook URLs and the secret that signs recipients' callbackUrl posts.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { webhookDeps } from "../../shared/webhooks/from-deps.ts";
import { listWebhooks, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: CoreDeps, webhooks: ManageWebhooksDeps = webhookDeps(deps)) =>
  httpRoute({ auth: deps }, async (request) => json(200, { Result: await listWebhooks(webhooks, request.caller), Code: "ok" }));

export const handler = makeHandler(makeCoreDeps(loadConfig()));
