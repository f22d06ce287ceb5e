// GET /t/o/{token}: the open pixel (public). The GIF is answered even when the bookkeeping
// fails: a reader must never see a broken image because a table was busy.
import { loadConfig } from "../../shared/config.ts";
import { messageStore, secretsRefresh, statusService, wiring } from "../../shared/wiring.ts";
import type { EngagementDeps } from "../../shared/links/engagement.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { log } from "../../shared/log.ts";
import { verifyToken } from "../../shared/domain/link-tokens.ts";
import { recordOpen } from "../../shared/links/engagement.ts";
import { notFound, pixelResponse } from "../../shared/links/responses.ts";

export const makeHandler = (deps: EngagementDeps & { config: { linkSecret: string } } & { refreshSecrets?: () => Promise<void> }) =>
  httpRoute({ auth: false, refreshSecrets: deps.refreshSecrets }, async (request) => {
    const messageId = verifyToken(deps.config.linkSecret, "open", request.event.pathParameters?.token ?? "");
    if (!messageId) return notFound();
    await recordOpen(deps, messageId).catch((error) =>
      log.error("open not recorded", { requestId: request.requestId, messageId, error: String(error) }),
    );
    return pixelResponse();
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({
  config: w.config,
  messages: messageStore(w),
  status: statusService(w),
  refreshSecrets: secretsRefresh(w),
});
