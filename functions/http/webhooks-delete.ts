// DELETE /webhooks/{webhookId}: stops posting to that URL; its records still queued are dropped.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { webhookDeps } from "../../shared/webhooks/from-deps.ts";
import { removeWebhook, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: CoreDeps, webhooks: ManageWebhooksDeps = webhookDeps(deps)) =>
  httpRoute({ auth: deps }, async (request) => {
    await removeWebhook(webhooks, request.caller, request.event.pathParameters?.webhookId ?? "");
    return json(200, { Code: "ok" });
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
