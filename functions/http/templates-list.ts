// GET /email/templates?limit=&cursor=: the caller's templates, a page at a time, without their bodies.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, templateStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { listTemplates, type TemplateDeps } from "../../shared/templates/manage.ts";

export const makeHandler = (deps: AuthDeps & TemplateDeps) =>
  httpRoute({ auth: deps, query: ["limit", "cursor"] }, async (request) =>
    json(200, await listTemplates(deps, request.caller, request.event.queryStringParameters ?? {})),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), templates: templateStore(w) });
