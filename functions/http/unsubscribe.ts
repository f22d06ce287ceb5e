// /u/{token} (public): GET shows the unsubscribe page and changes nothing (mail scanners fetch
// links); POST with `List-Unsubscribe=One-Click` (RFC 8058) unsubscribes at once; the page's
// own buttons POST `action=unsubscribe` or `action=resubscribe`.
import { loadConfig } from "../../shared/config.ts";
import { messageStore, secretsRefresh, statusService, suppressionStore, wiring } from "../../shared/wiring.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { languageFromHeader } from "../../shared/domain/i18n.ts";
import { notFound, pageResponse, textResponse } from "../../shared/links/responses.ts";
import { invalidLinkPage, unsubscribePage, type PageState } from "../../shared/links/unsubscribe-page.ts";
import {
  findRecipient,
  isSuppressed,
  postedAction,
  resubscribe,
  unsubscribe,
  type UnsubscribeDeps,
} from "../../shared/links/unsubscribe.ts";

export const makeHandler = (deps: UnsubscribeDeps & { refreshSecrets?: () => Promise<void> }) =>
  httpRoute({ auth: false, refreshSecrets: deps.refreshSecrets }, async (request) => {
    const isGet = request.event.requestContext.http.method === "GET";
    const recipient = await findRecipient(deps, request.event.pathParameters?.token ?? "");
    if (!recipient) return isGet ? pageResponse(404, invalidLinkPage(languageFromHeader(request.header("accept-language")))) : notFound();
    const page = (state: PageState) =>
      pageResponse(200, unsubscribePage({ state, language: recipient.language, address: recipient.address, sender: recipient.sender }));

    if (isGet) return page((await isSuppressed(deps, recipient)) ? "unsubscribed" : "confirm");
    switch (postedAction(request.header("content-type"), request.rawBody)) {
      case "one-click":
        await unsubscribe(deps, recipient, "one-click");
        return textResponse(200, "Unsubscribed");
      case "unsubscribe":
        await unsubscribe(deps, recipient, "page");
        return page("unsubscribed");
      case "resubscribe":
        await resubscribe(deps, recipient);
        return page("resubscribed");
      default:
        return textResponse(400, "Expected a form with List-Unsubscribe=One-Click, action=unsubscribe or action=resubscribe");
    }
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({
  config: w.config,
  messages: messageStore(w),
  suppressions: suppressionStore(w),
  status: statusService(w),
  refreshSecrets: secretsRefresh(w),
});
