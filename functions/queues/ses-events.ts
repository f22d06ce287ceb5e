// SES-events queue consumer: SES notifications (through SNS) become statuses; hard bounces and
// complaints put the address on the account's suppression list (docs/webhooks.md, statuses).
import { loadConfig } from "../../shared/config.ts";
import { applyFeedback } from "../../shared/feedback/apply-feedback.ts";
import { sesFeedback } from "../../shared/feedback/ses-feedback.ts";
import { parseSesRecordBody } from "../../shared/feedback/ses-notification.ts";
import { sqsConsumer } from "../../shared/queue/consumer.ts";
import type { StatusService } from "../../shared/status/index.ts";
import { statusService, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: { status: Pick<StatusService, "record"> }) =>
  sqsConsumer("ses-events", async (record) => {
    const notification = parseSesRecordBody(record.body);
    if (notification) await applyFeedback(deps, sesFeedback(notification));
  });

export const handler = makeHandler({ status: statusService(wiring({ config: loadConfig() })) });
