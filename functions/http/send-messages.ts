// POST /email/messages: the Devino-shaped send API (docs/http-api.md).
import { loadConfig } from "../../shared/config.ts";
import { httpSendDeps, idempotencyStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import type { IdempotencyStore } from "../../shared/store/idempotency.ts";
import { sendMessages, withIdempotency, type SendDeps } from "../../shared/accept/send-messages.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";

export const makeHandler = (deps: AuthDeps & SendDeps & { idempotency: IdempotencyStore }) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: deps.config.limits.requestBytes }, async (request) => {
    const answer = await withIdempotency(deps, request.caller, request.header("idempotency-key"), request.rawBody, () =>
      sendMessages(deps, request.caller, request.body),
    );
    return json(answer.statusCode, answer.body, answer.replayed ? { "idempotent-replayed": "true" } : {});
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...httpSendDeps(w), idempotency: idempotencyStore(w) });
