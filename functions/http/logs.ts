// GET /email/logs: the caller's messages of the last 48 hours, newest first, filtered and paged.
import { loadConfig } from "../../shared/config.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { listLogs, type LogsDeps } from "../../shared/logs/index.ts";
import { logsDeps, readAuthDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps & LogsDeps) =>
  httpRoute({ auth: deps }, async (request) => json(200, await listLogs(deps, request.caller, request.event.queryStringParameters ?? {})));

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...readAuthDeps(w), ...logsDeps(w) });
