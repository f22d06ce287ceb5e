// DELETE /email/scheduled/{submissionId}: cancels the scheduled messages of a submission that have not gone yet.
import { loadConfig } from "../../shared/config.ts";
import { authDeps, deliveryQueue, messageStore, statusService, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { cancelScheduled, type ScheduledDeps } from "../../shared/scheduled/manage.ts";

export const makeHandler = (deps: AuthDeps & ScheduledDeps) =>
  httpRoute({ auth: deps, query: [] }, async (request) =>
    json(200, await cancelScheduled(deps, request.caller, request.event.pathParameters?.submissionId ?? "")),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({
  ...authDeps(w),
  messages: messageStore(w),
  status: statusService(w),
  deliveryQueue: deliveryQueue(w),
  retentionHours: w.config.retentionHours,
});
