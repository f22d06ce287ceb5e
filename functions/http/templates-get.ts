// GET /email/templates/{templateId}: one of the caller's templates, with its body.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, templateStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { ownTemplate, templateView, type TemplateDeps } from "../../shared/templates/manage.ts";

export const makeHandler = (deps: AuthDeps & TemplateDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    const template = await ownTemplate(deps, request.caller, request.event.pathParameters?.templateId ?? "");
    return json(200, { Result: templateView(template), Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), templates: templateStore(w) });
