// GET /email/statistics for a caller: its account, or its project for a project key (asking a
// project key about another project finds nothing), optionally one tag.
import type { Caller } from "../domain/account.ts";
import { dimensionFor } from "../domain/statistics.ts";
import type { Query } from "../domain/query-parameters.ts";
import { parseStatisticsQuery } from "./periods.ts";
import { readStatistics, type StatisticsReader } from "./statistics.ts";

export async function getStatistics(
  counters: StatisticsReader,
  caller: Pick<Caller, "accountId" | "projectId">,
  query: Query,
  now = Date.now(),
) {
  const question = parseStatisticsQuery(query, now);
  if (caller.projectId && question.projectId && question.projectId !== caller.projectId)
    return readStatistics(emptyReader, { accountId: caller.accountId, dimension: "" }, question);
  const projectId = caller.projectId ?? question.projectId;
  return readStatistics(counters, { accountId: caller.accountId, dimension: dimensionFor({ projectId, tag: question.tag }) }, question);
}

/** Counters of a slice nobody can see: all empty (the buckets are still listed). */
const emptyReader: StatisticsReader = {
  rolledThrough: async () => undefined,
  hours: async () => new Map(),
  days: async () => [],
  months: async () => [],
};
