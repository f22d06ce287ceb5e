// GET /email/messages/{messageId}: current status and history of one of the caller's messages.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { getOwnMessage, messageView } from "../../shared/status/message-view.ts";

export const makeHandler = (deps: CoreDeps) =>
  httpRoute({ auth: deps }, async (request) => {
    const message = await getOwnMessage(deps.messages, request.caller, request.event.pathParameters?.messageId ?? "");
    return json(200, { Result: messageView(message), Code: "ok" });
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
