// What other features and the entries use of statistics/: the counter listener, the question
// and its answer, the rollup, and the terminal table.
export { makeCounterListener, deltasOf } from "./counter-listener.ts";
export { parseStatisticsQuery, type StatisticsQuery } from "./periods.ts";
export { readStatistics, statisticsView, type StatisticsAnswer } from "./statistics.ts";
export { getStatistics } from "./statistics-api.ts";
export { rollUpStatistics, lastClosedDay } from "./rollup.ts";
export { renderStatisticsTable } from "./table.ts";
