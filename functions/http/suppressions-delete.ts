// DELETE /suppressions/{email}: takes an address off the caller's list (404 when it is not on it).
import { loadConfig } from "../../shared/config.ts";
import { authDeps, suppressionStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import type { SuppressionStore } from "../../shared/store/suppressions.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { deleteSuppression, emailParam } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: AuthDeps & { suppressions: SuppressionStore }) =>
  httpRoute({ auth: deps, query: [] }, async (request) => {
    const email = emailParam(request.event.pathParameters?.email);
    await deleteSuppression(deps.suppressions, request.caller.accountId, email);
    return json(200, { Result: { Email: email, Removed: true }, Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), suppressions: suppressionStore(w) });
