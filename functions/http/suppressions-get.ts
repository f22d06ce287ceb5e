// GET /suppressions/{email}: one address of the caller's suppression list, or 404.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { emailParam, getSuppression, suppressionView } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: CoreDeps) =>
  httpRoute({ auth: deps }, async (request) => {
    const entry = await getSuppression(deps.suppressions, request.caller.accountId, emailParam(request.event.pathParameters?.email));
    return json(200, { Result: suppressionView(entry), Code: "ok" });
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
