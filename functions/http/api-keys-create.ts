// POST /api-keys {"Label"?, "ProjectId"?}: a new API key, shown once in the answer (docs/http-api.md, API keys).
import { loadConfig } from "../../shared/config.ts";
import { accountStore, authDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { createApiKey, type ApiKeyDeps } from "../../shared/api-keys/manage.ts";

export const makeHandler = (deps: AuthDeps & ApiKeyDeps) =>
  httpRoute({ auth: deps, json: true, maxBodyBytes: 4 * 1024 }, async (request) =>
    json(201, { Result: await createApiKey(deps, request.caller, request.body), Code: "ok" }, { "cache-control": "no-store" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), accounts: accountStore(w) });
