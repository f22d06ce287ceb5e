// PATCH /account/settings: changes what the account may change of its own settings (account keys only).
import { loadConfig } from "../../shared/config.ts";
import { accountStore, authDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { type SettingsDeps, updateSettings } from "../../shared/settings/account-settings.ts";

export const makeHandler = (deps: AuthDeps & SettingsDeps) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: 16 * 1024 }, async (request) =>
    json(200, { Result: await updateSettings(deps, request.caller, request.body), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), accounts: accountStore(w) });
