// POST /webhooks/{webhookId}/test: queues a `webhook.test` event for that URL (docs/webhooks.md).
import { loadConfig } from "../../shared/config.ts";
import { authDeps, webhookEndpoints, webhookQueue, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { sendTestEvent } from "../../shared/webhooks/manage.ts";

export const makeHandler = (deps: AuthDeps, webhooks: Parameters<typeof sendTestEvent>[0]) =>
  httpRoute({ auth: deps }, async (request) =>
    json(202, { Result: await sendTestEvent(webhooks, request.caller, request.event.pathParameters?.webhookId ?? ""), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), { endpoints: webhookEndpoints(w), queue: webhookQueue(w) });
