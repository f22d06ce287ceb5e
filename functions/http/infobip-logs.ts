// GET /email/1/logs: Infobip's logs (the last 48 hours, any number of times) over the native logs (docs/moving-from-infobip.md).
import { loadConfig } from "../../shared/config.ts";
import type { Status } from "../../shared/domain/status.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { infobipCredentials, infobipErrorResponse, infobipLogEntry, parseInfobipLogsQuery } from "../../shared/infobip/index.ts";
import { type LogsDeps, readLogs } from "../../shared/logs/index.ts";
import { logsDeps, readAuthDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps & LogsDeps) =>
  httpRoute({ auth: deps, credentials: infobipCredentials, errors: infobipErrorResponse }, async (request) => {
    const q = parseInfobipLogsQuery(request.event.queryStringParameters ?? {});
    const page = await readLogs(deps, request.caller, {
      ...q,
      to: q.to?.toLowerCase(),
      from: q.from?.toLowerCase(),
      statuses: q.statuses as Status[] | undefined,
    });
    return json(200, { results: page.entries.map(infobipLogEntry) });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...readAuthDeps(w), ...logsDeps(w) });
