// Counts status changes as metrics (shared/observability.ts): accepted, sent, delivered, bounced,
// complained and rejected messages, whichever door or event recorded them. A repeated event
// reaches no listener, so nothing is counted twice.
import type { Status, StatusListener } from "../domain/status.ts";
import { METRIC, type MetricName, metrics } from "../observability.ts";

const COUNTED: Partial<Record<Status, MetricName>> = {
  ACCEPTED: METRIC.accepted,
  SENT: METRIC.sent,
  DELIVERED: METRIC.delivered,
  BOUNCED: METRIC.bounced,
  COMPLAINED: METRIC.complained,
  REJECTED: METRIC.rejected,
};

export const countStatuses: StatusListener = async (events) => {
  for (const { change } of events) {
    const name = COUNTED[change.status];
    if (name) metrics.count(name);
  }
};
