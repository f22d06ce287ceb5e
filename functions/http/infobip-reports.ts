// GET /email/1/reports: Infobip's delivery reports, each returned once, over the native reports (docs/moving-from-infobip.md).
import { loadConfig } from "../../shared/config.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { infobipCredentials, infobipErrorResponse, infobipReportEntry, parseInfobipReportsQuery } from "../../shared/infobip/index.ts";
import { type ReportsDeps, takeReports } from "../../shared/logs/index.ts";
import { authDeps, reportsDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps & ReportsDeps) =>
  httpRoute({ auth: deps, credentials: infobipCredentials, errors: infobipErrorResponse }, async (request) => {
    const taken = await takeReports(deps, request.caller, parseInfobipReportsQuery(request.event.queryStringParameters ?? {}));
    return json(200, { results: taken.map(infobipReportEntry) });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), ...reportsDeps(w) });
