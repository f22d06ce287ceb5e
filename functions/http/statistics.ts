// GET /email/statistics: the seed's statistics rows for a period, from the counters.
import { loadConfig } from "../../shared/config.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { getStatistics, statisticsView } from "../../shared/statistics/index.ts";
import type { CounterStore } from "../../shared/store/counters.ts";
import { counterStore, readAuthDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps & { counters: CounterStore }) =>
  httpRoute({ auth: deps }, async (request) => {
    const answer = await getStatistics(deps.counters, request.caller, request.event.queryStringParameters ?? {});
    return json(200, { Result: statisticsView(answer), Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...readAuthDeps(w), counters: counterStore(w) });
