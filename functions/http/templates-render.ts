// POST /email/templates/{templateId}/render: a preview of a template with sample merge fields.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, templateStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { previewTemplate, type TemplateDeps } from "../../shared/templates/manage.ts";

export const makeHandler = (deps: AuthDeps & TemplateDeps) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: 1024 * 1024 }, async (request) => {
    const templateId = request.event.pathParameters?.templateId ?? "";
    return json(200, { Result: await previewTemplate(deps, request.caller, templateId, request.body), Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), templates: templateStore(w) });
