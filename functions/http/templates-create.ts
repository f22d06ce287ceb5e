// POST /email/templates: stores a template (docs/templates.md); its syntax is checked first.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, templateStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { createTemplate, templateView, type TemplateDeps } from "../../shared/templates/manage.ts";

export const makeHandler = (deps: AuthDeps & TemplateDeps) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: 1024 * 1024 }, async (request) =>
    json(201, { Result: templateView(await createTemplate(deps, request.caller, request.body)), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), templates: templateStore(w) });
