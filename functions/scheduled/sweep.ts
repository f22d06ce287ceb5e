// Scheduled sweeper: re-enqueues messages left in ACCEPTED past their deadline.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { PERIODIC_SWEEP_BUDGET_MS, sweep } from "../../shared/deliver/sweep.ts";
import { log } from "../../shared/log.ts";

export const makeHandler = (deps: CoreDeps) => async () => {
  const count = await sweep(deps, { olderThanSeconds: deps.config.sweepAfterSeconds, budgetMs: PERIODIC_SWEEP_BUDGET_MS });
  if (count > 0) log.warn("sweeper re-enqueued messages", { count });
  return { count };
};

export const handler = makeHandler(makeCoreDeps(loadConfig()));
