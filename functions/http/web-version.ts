// GET /w/{token} (public): the recipient's message as a web page, while the message is kept.
import { loadConfig } from "../../shared/config.ts";
import { makeDeps, type Deps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { languageFromHeader } from "../../shared/render/i18n.ts";
import { messagePageResponse, pageResponse } from "../../shared/links/responses.ts";
import { invalidLinkPage } from "../../shared/links/unsubscribe-page.ts";
import { renderWebVersion } from "../../shared/links/web-version.ts";

export const makeHandler = (deps: Deps) =>
  httpRoute({ auth: false }, async (request) => {
    const html = await renderWebVersion(deps, request.event.pathParameters?.token ?? "");
    return html === undefined ? pageResponse(404, invalidLinkPage(languageFromHeader(request.header("accept-language")))) : messagePageResponse(html);
  });

export const handler = makeHandler(makeDeps(loadConfig()));
