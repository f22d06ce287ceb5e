// POST /suppressions {"Email", "Cause"?, "Reason"?}: puts an address on the caller's list
// (cause `manual` unless given); an address already there takes the new cause and time.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, suppressionStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import type { SuppressionStore } from "../../shared/store/suppressions.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { addSuppression, suppressionView } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: AuthDeps & { suppressions: SuppressionStore }) =>
  httpRoute({ auth: deps, json: true, query: [], maxBodyBytes: 16 * 1024 }, async (request) => {
    const entry = await addSuppression(deps.suppressions, request.caller.accountId, request.body);
    return json(200, { Result: suppressionView(entry), Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), suppressions: suppressionStore(w) });
