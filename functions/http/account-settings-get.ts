// GET /account/settings: the account's settings, and its projects' (account keys only).
import { loadConfig } from "../../shared/config.ts";
import { accountStore, authDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { getSettings, type SettingsDeps } from "../../shared/settings/account-settings.ts";

export const makeHandler = (deps: AuthDeps & SettingsDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) => json(200, { Result: await getSettings(deps, request.caller), Code: "ok" }));

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), accounts: accountStore(w) });
