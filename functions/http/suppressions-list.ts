// GET /suppressions?cause=&since=&cursor=&limit=: the caller's suppression list, oldest first.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { listSuppressions, parseListQuery } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: CoreDeps) =>
  httpRoute({ auth: deps }, async (request) => {
    const query = parseListQuery(request.event.queryStringParameters ?? {});
    return json(200, await listSuppressions(deps.suppressions, request.caller.accountId, query));
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
