// DELETE /suppressions/{email}: takes an address off the caller's list (404 when it is not on it).
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { deleteSuppression, emailParam } from "../../shared/suppressions/suppression-api.ts";

export const makeHandler = (deps: CoreDeps) =>
  httpRoute({ auth: deps }, async (request) => {
    const email = emailParam(request.event.pathParameters?.email);
    await deleteSuppression(deps.suppressions, request.caller.accountId, email);
    return json(200, { Result: { Email: email, Removed: true }, Code: "ok" });
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
