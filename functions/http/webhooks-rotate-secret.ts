// POST /webhooks/{webhookId}/rotate-secret: a new signing secret; the old one signs too for a day.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { webhookDeps } from "../../shared/webhooks/from-deps.ts";
import { rotateWebhookSecret, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: CoreDeps, webhooks: ManageWebhooksDeps = webhookDeps(deps)) =>
  httpRoute({ auth: deps }, async (request) =>
    json(200, { Result: await rotateWebhookSecret(webhooks, request.caller, request.event.pathParameters?.webhookId ?? ""), Code: "ok" }),
  );

export const handler = makeHandler(makeCoreDeps(loadConfig()));
