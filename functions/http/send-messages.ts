// POST /email/messages: the Devino-shaped send API (SPEC §2).
import { loadConfig } from "../../shared/config.ts";
import { makeDeps, type Deps } from "../../shared/deps.ts";
import { sendMessages, withIdempotency } from "../../shared/accept/send-messages.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";

export const makeHandler = (deps: Deps) =>
  httpRoute({ auth: deps, json: true, maxBodyBytes: deps.config.limits.requestBytes }, async (request) => {
    const answer = await withIdempotency(deps, request.caller, request.header("idempotency-key"), request.rawBody, () =>
      sendMessages(deps, request.caller, request.body),
    );
    return json(answer.statusCode, answer.body, answer.replayed ? { "idempotent-replayed": "true" } : {});
  });

export const handler = makeHandler(makeDeps(loadConfig()));
