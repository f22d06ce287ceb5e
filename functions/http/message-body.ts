// GET /email/messages/{messageId}/body: one of the caller's messages as its recipient got it.
import { loadConfig } from "../../shared/config.ts";
import { accountCache, bodyStore, messageStore, readAuthDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { AppError } from "../../shared/domain/errors.ts";
import type { MessageStore } from "../../shared/store/messages.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { renderForOwner, type WebVersionDeps } from "../../shared/links/web-version.ts";
import { getOwnMessage } from "../../shared/status/message-view.ts";

export const makeHandler = (deps: AuthDeps & WebVersionDeps & { messages: Pick<MessageStore, "getMessage"> }) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    const messageId = request.event.pathParameters?.messageId ?? "";
    const message = await getOwnMessage(deps.messages, request.caller, messageId);
    const body = await renderForOwner(deps, message);
    if (!body) {
      throw new AppError("not_found", {
        message: `Message ${messageId} has no body to show: it was rejected`,
        reasons: [{ key: "not_found", ref: "messageId" }],
      });
    }
    return json(200, { Result: { MessageId: message.messageId, ...body }, Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({
  ...readAuthDeps(w),
  config: w.config,
  messages: messageStore(w),
  bodies: bodyStore(w),
  accountCache: accountCache(w),
});
