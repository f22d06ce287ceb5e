// /email/1/bulks and /email/1/bulks/status: Infobip's scheduled bulks (a bulk is one request) shown,
// moved and cancelled through the scheduled-sends service (docs/moving-from-infobip.md).
import { loadConfig } from "../../shared/config.ts";
import type { Caller } from "../../shared/domain/account.ts";
import { AppError } from "../../shared/domain/errors.ts";
import { messageIdFor } from "../../shared/domain/ids.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import {
  type BulkPort,
  getBulk,
  getBulkStatus,
  infobipCredentials,
  infobipErrorResponse,
  rescheduleBulk,
  updateBulkStatus,
} from "../../shared/infobip/index.ts";
import { cancelScheduled, moveScheduled, type ScheduledDeps } from "../../shared/scheduled/manage.ts";
import { authDeps, deliveryQueue, messageStore, statusService, wiring } from "../../shared/wiring.ts";

const PAGE = 100;
const MAX_PAGES = 10;

/** The native service names its own fields; this door answers with Infobip's. */
const RENAMED: Record<string, string> = { SendAt: "sendAt", submissionId: "bulkId" };
async function inInfobipTerms(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw new AppError(error.code, {
      message: error.message.replace(/^SendAt\b/, "sendAt"),
      headers: error.headers,
      reasons: error.reasons.map((r) => (r.ref && RENAMED[r.ref] ? { ...r, ref: RENAMED[r.ref] } : r)),
    });
  }
}

export const bulkPort = (deps: ScheduledDeps): BulkPort => ({
  async messages(caller: Caller, bulkId: string) {
    if (!/^[\w-]{25}$/.test(bulkId)) return [];
    const found = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const copies = await deps.messages.getMany(Array.from({ length: PAGE }, (_, i) => messageIdFor(bulkId, page * PAGE + i)));
      found.push(...copies);
      if (copies.length < PAGE) break;
    }
    return found
      .filter((m) => m.accountId === caller.accountId && (!caller.projectId || m.projectId === caller.projectId))
      .map((m) => ({ status: m.status, sendAt: m.sendAt }));
  },
  cancel: (caller, bulkId) => inInfobipTerms(cancelScheduled(deps, caller, bulkId)),
  move: (caller, bulkId, sendAt) => inInfobipTerms(moveScheduled(deps, caller, bulkId, { SendAt: sendAt })),
});

export const makeHandler = (deps: AuthDeps & ScheduledDeps) => {
  const port = bulkPort(deps);
  return httpRoute(
    { auth: deps, credentials: infobipCredentials, errors: infobipErrorResponse, maxBodyBytes: 4 * 1024 },
    async (request) => {
      const query = request.event.queryStringParameters ?? {};
      const status = request.event.rawPath.endsWith("/status");
      const put = request.event.requestContext.http.method === "PUT";
      if (status)
        return json(
          200,
          put ? await updateBulkStatus(port, request.caller, query, request.rawBody) : await getBulkStatus(port, request.caller, query),
        );
      return json(
        200,
        put ? await rescheduleBulk(port, request.caller, query, request.rawBody) : await getBulk(port, request.caller, query),
      );
    },
  );
};

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({
  ...authDeps(w),
  messages: messageStore(w),
  status: statusService(w),
  deliveryQueue: deliveryQueue(w),
  retentionHours: w.config.retentionHours,
});
