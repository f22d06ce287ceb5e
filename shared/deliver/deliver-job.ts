// One record of the deliveries queue: up to ten messages, delivered side by side. A job that
// names a time not reached yet (a scheduled send whose SQS delay was cut to its 15-minute most,
// or rounded to the second) goes back on the queue until then: nothing is sent early.
import { readEachOnce } from "../files/attachments.ts";
import { log } from "../log.ts";
import type { DeliveryJob } from "../queue/deliveries.ts";
import { messageIdsOf } from "../queue/deliveries.ts";
import { deliverMessage, type DeliverDeps } from "./deliver-message.ts";

export async function deliverJob(
  deps: DeliverDeps,
  job: DeliveryJob | { messageId: string },
  options: { lastReceive?: boolean; now?: number } = {},
): Promise<void> {
  const now = options.now ?? Date.now();
  const messageIds = messageIdsOf(job);
  const notBefore = "notBefore" in job ? job.notBefore : undefined;
  if (notBefore !== undefined && notBefore > now) {
    await deps.deliveryQueue.enqueueAt(messageIds, notBefore, now);
    log.info("delivery job arrived early; queued again", { messageIds, notBefore: new Date(notBefore).toISOString() });
    return;
  }
  // The job's messages are usually copies of one submission: their attachments are read once for all.
  const jobDeps = { ...deps, loadAttachments: readEachOnce(deps.loadAttachments) };
  // All of them are tried; any failure fails the record, and its retry skips what went out (the claim).
  const results = await Promise.allSettled(
    messageIds.map((messageId) => deliverMessage(jobDeps, messageId, { lastReceive: options.lastReceive, now: options.now })),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
