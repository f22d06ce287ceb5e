// Scheduled sweeper: queues scheduled sends whose time is near, re-enqueues messages left waiting
// past their deadline, and sends again the webhook records the outbox still holds long after they
// were queued.
import { loadConfig } from "../../shared/config.ts";
import { deliveryQueue, messageStore, webhookRecordDeps, wiring } from "../../shared/wiring.ts";
import type { Config } from "../../shared/config.ts";
import { PERIODIC_SWEEP_BUDGET_MS, queueScheduled, sweep } from "../../shared/deliver/sweep.ts";
import { log } from "../../shared/log.ts";
import { observed } from "../../shared/observability.ts";
import { sweepWebhookOutbox, webhookSweepAfterSeconds, type WebhookSweepDeps } from "../../shared/webhooks/sweep.ts";
import type { SweepDeps } from "../../shared/deliver/sweep.ts";
import { QUEUES } from "../manifest.ts";

export const makeHandler = (deps: SweepDeps & { config: Config }, webhookRecords: WebhookSweepDeps) => {
  return observed(async () => {
    const scheduled = await queueScheduled(deps, { budgetMs: PERIODIC_SWEEP_BUDGET_MS / 2 });
    if (scheduled > 0) log.info("scheduled sends queued for their time", { count: scheduled });
    const count = await sweep(deps, { olderThanSeconds: deps.config.sweepAfterSeconds, budgetMs: PERIODIC_SWEEP_BUDGET_MS / 2 });
    if (count > 0) log.warn("sweeper re-enqueued messages", { count });
    const webhooks = await sweepWebhookOutbox(webhookRecords, {
      olderThanSeconds: webhookSweepAfterSeconds(deps.config, QUEUES.webhooks.maxReceiveCount),
    });
    if (webhooks.resent + webhooks.parked > 0) log.warn("sweeper sent webhook records again", webhooks);
    return { count, scheduled, webhooks };
  });
};

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ config: w.config, messages: messageStore(w), deliveryQueue: deliveryQueue(w) }, webhookRecordDeps(w));
