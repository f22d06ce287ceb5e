// GET /suppressions/{email}: one address of the caller's suppression list, or 404.
import { loadConfig } from "../../shared/config.ts";
import { readAuthDeps, suppressionStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import type { SuppressionStore } from "../../shared/store/suppressions.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { emailParam, getSuppression, suppressionView } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: AuthDeps & { suppressions: SuppressionStore }) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    const entry = await getSuppression(deps.suppressions, request.caller.accountId, emailParam(request.event.pathParameters?.email));
    return json(200, { Result: suppressionView(entry), Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...readAuthDeps(w), suppressions: suppressionStore(w) });
