// PUT /email/templates/{templateId}: replaces a template, or creates it under this id (201).
import { loadConfig } from "../../shared/config.ts";
import { authDeps, templateStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { putTemplate, templateView, type TemplateDeps } from "../../shared/templates/manage.ts";

export const makeHandler = (deps: AuthDeps & TemplateDeps) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: 1024 * 1024 }, async (request) => {
    const templateId = request.event.pathParameters?.templateId ?? "";
    const { template, created } = await putTemplate(deps, request.caller, templateId, request.body);
    return json(created ? 201 : 200, { Result: templateView(template), Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), templates: templateStore(w) });
