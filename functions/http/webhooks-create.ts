// POST /webhooks: registers a URL that receives every status change of the account's messages.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { webhookDeps } from "../../shared/webhooks/from-deps.ts";
import { createWebhook, type ManageWebhooksDeps } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: CoreDeps, webhooks: ManageWebhooksDeps = webhookDeps(deps)) =>
  httpRoute({ auth: deps, json: true, maxBodyBytes: 16 * 1024 }, async (request) =>
    json(201, { Result: await createWebhook(webhooks, request.caller, request.body), Code: "ok" }),
  );

export const handler = makeHandler(makeCoreDeps(loadConfig()));
