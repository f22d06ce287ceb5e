// POST /email/templates/render: a preview of an unsaved template (the editor's live preview).
import { loadConfig } from "../../shared/config.ts";
import { authDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { previewDraft } from "../../shared/templates/manage.ts";

export const makeHandler = (deps: AuthDeps) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: 1024 * 1024 }, async (request) =>
    json(200, { Result: previewDraft(request.body), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w));
