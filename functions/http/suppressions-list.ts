// GET /suppressions?cause=&since=&cursor=&limit=: the caller's suppression list, oldest first.
import { loadConfig } from "../../shared/config.ts";
import { readAuthDeps, suppressionStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import type { SuppressionStore } from "../../shared/store/suppressions.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { listSuppressions, parseListQuery } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: AuthDeps & { suppressions: SuppressionStore }) =>
  httpRoute({ auth: deps, query: ["cause", "since", "cursor", "limit"] }, async (request) => {
    const query = parseListQuery(request.event.queryStringParameters ?? {});
    return json(200, await listSuppressions(deps.suppressions, request.caller.accountId, query));
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...readAuthDeps(w), suppressions: suppressionStore(w) });
