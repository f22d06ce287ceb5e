// Scheduled sweeper: re-enqueues messages left in ACCEPTED past their deadline.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps, type CoreDeps } from "../../shared/deps.ts";
import { sweep } from "../../shared/deliver/sweep.ts";
import { log } from "../../shared/log.ts";

export const makeHandler = (deps: CoreDeps) => async () => {
  const count = await sweep(deps, { olderThanSeconds: deps.config.sweepAfterSeconds });
  if (count > 0) log.warn("sweeper re-enqueued messages", { count });
  return { count };
};

export const handler = makeHandler(makeCoreDeps(loadConfig()));
