// POST /suppressions {"Email", "Cause"?, "Reason"?}: puts an address on the caller's list
// (cause `manual` unless given); an address already there takes the new cause and time.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { addSuppression, suppressionView } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: CoreDeps) =>
  httpRoute({ auth: deps, json: true, maxBodyBytes: 16 * 1024 }, async (request) => {
    const entry = await addSuppression(deps.suppressions, request.caller.accountId, request.body);
    return json(200, { Result: suppressionView(entry), Code: "ok" });
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
