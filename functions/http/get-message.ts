// GET /email/messages/{messageId}: current status and history of one of the caller's messages.
import { loadConfig } from "../../shared/config.ts";
import { readAuthDeps, messageStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import type { MessageStore } from "../../shared/store/messages.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { getOwnMessage, messageView } from "../../shared/status/message-view.ts";

export const makeHandler = (deps: AuthDeps & { messages: Pick<MessageStore, "getMessage"> }) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    const message = await getOwnMessage(deps.messages, request.caller, request.event.pathParameters?.messageId ?? "");
    return json(200, { Result: messageView(message), Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...readAuthDeps(w), messages: messageStore(w) });
