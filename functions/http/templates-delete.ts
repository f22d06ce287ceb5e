// DELETE /email/templates/{templateId}: removes a template. Mail already accepted with it keeps its copy of the body.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, templateStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { deleteTemplate, type TemplateDeps } from "../../shared/templates/manage.ts";

export const makeHandler = (deps: AuthDeps & TemplateDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    const templateId = request.event.pathParameters?.templateId ?? "";
    await deleteTemplate(deps, request.caller, templateId);
    return json(200, { Result: { Id: templateId, Removed: true }, Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), templates: templateStore(w) });
