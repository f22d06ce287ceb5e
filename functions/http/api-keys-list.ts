// GET /api-keys: the account's keys, revoked ones included, without the keys themselves.
import { loadConfig } from "../../shared/config.ts";
import { accountStore, authDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { listApiKeys, type ApiKeyDeps } from "../../shared/api-keys/manage.ts";

export const makeHandler = (deps: AuthDeps & ApiKeyDeps) =>
  httpRoute({ auth: deps }, async (request) => json(200, { Result: await listApiKeys(deps, request.caller), Code: "ok" }));

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), accounts: accountStore(w) });
