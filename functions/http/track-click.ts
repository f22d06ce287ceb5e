// GET /t/c/{token}: a tracked link (public). The token carries the original URL under the
// signature, so the reader is sent on even when the bookkeeping fails, and only ever to a URL
// that was in the message.
import { loadConfig } from "../../shared/config.ts";
import { messageStore, secretsRefresh, statusService, wiring } from "../../shared/wiring.ts";
import type { EngagementDeps } from "../../shared/links/engagement.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { log } from "../../shared/log.ts";
import { readClickToken } from "../../shared/render/click-links.ts";
import { recordClick } from "../../shared/links/engagement.ts";
import { notFound, redirectResponse } from "../../shared/links/responses.ts";

export const makeHandler = (deps: EngagementDeps & { config: { linkSecret: string } } & { refreshSecrets?: () => Promise<void> }) =>
  httpRoute({ auth: false, refreshSecrets: deps.refreshSecrets }, async (request) => {
    const target = readClickToken(deps.config.linkSecret, request.event.pathParameters?.token ?? "");
    if (!target) return notFound();
    await recordClick(deps, target.messageId).catch((error) =>
      log.error("click not recorded", { requestId: request.requestId, messageId: target.messageId, error: String(error) }),
    );
    return redirectResponse(target.url);
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({
  config: w.config,
  messages: messageStore(w),
  status: statusService(w),
  refreshSecrets: secretsRefresh(w),
});
