// DELETE /api-keys/{keyId}: revokes one of the account's keys (a warm container may still accept
// it for the account cache's lifetime, docs/http-api.md).
import { loadConfig } from "../../shared/config.ts";
import { accountStore, authDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { revokeApiKey, type ApiKeyDeps } from "../../shared/api-keys/manage.ts";

export const makeHandler = (deps: AuthDeps & ApiKeyDeps) =>
  httpRoute({ auth: deps }, async (request) =>
    json(200, { Result: await revokeApiKey(deps, request.caller, request.event.pathParameters?.keyId ?? ""), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), accounts: accountStore(w) });
