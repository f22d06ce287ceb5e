// GET /email/reports: delivery reports of the caller's messages that reached a final status, each
// returned once (taking a report is a write).
import { loadConfig } from "../../shared/config.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { getReports, type ReportsDeps } from "../../shared/logs/index.ts";
import { authDeps, reportsDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps & ReportsDeps) =>
  httpRoute({ auth: deps }, async (request) =>
    json(200, await getReports(deps, request.caller, request.event.queryStringParameters ?? {})),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), ...reportsDeps(w) });
