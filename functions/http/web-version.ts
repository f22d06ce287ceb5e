// GET /w/{token} (public): the recipient's message as a web page, while the message is kept.
import { loadConfig } from "../../shared/config.ts";
import { accountCache, bodyStore, messageStore, secretsRefresh, wiring } from "../../shared/wiring.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { languageFromHeader } from "../../shared/domain/i18n.ts";
import { messagePageResponse, pageResponse } from "../../shared/links/responses.ts";
import { invalidLinkPage } from "../../shared/links/unsubscribe-page.ts";
import { renderWebVersion, type WebVersionDeps } from "../../shared/links/web-version.ts";

export const makeHandler = (deps: WebVersionDeps & { refreshSecrets?: () => Promise<void> }) =>
  httpRoute({ auth: false, refreshSecrets: deps.refreshSecrets }, async (request) => {
    const html = await renderWebVersion(deps, request.event.pathParameters?.token ?? "");
    return html === undefined
      ? pageResponse(404, invalidLinkPage(languageFromHeader(request.header("accept-language"))))
      : messagePageResponse(html);
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({
  config: w.config,
  messages: messageStore(w),
  bodies: bodyStore(w),
  accountCache: accountCache(w),
  refreshSecrets: secretsRefresh(w),
});
