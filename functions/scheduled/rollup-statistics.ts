// Scheduled rollup of the statistics counters: every closed day's hours into day and month items.
import { loadConfig } from "../../shared/config.ts";
import { log } from "../../shared/log.ts";
import { rollUpStatistics } from "../../shared/statistics/index.ts";
import type { CounterStore } from "../../shared/store/counters.ts";
import { counterStore, wiring } from "../../shared/wiring.ts";

/** Leaves time to write the last day's marks before the function's timeout. */
const BUDGET_MS = 10 * 60_000;

export const makeHandler = (deps: { counters: CounterStore; retentionHours: number }) => async () => {
  const result = await rollUpStatistics(deps, { budgetMs: BUDGET_MS });
  if (result.days.length) log.info("statistics rolled up", { days: result.days.join(","), slices: result.slices, done: result.done });
  return result;
};

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ counters: counterStore(w), retentionHours: w.config.retentionHours });
