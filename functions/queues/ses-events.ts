// SES-events queue consumer: SES notifications (through SNS) become statuses; hard bounces and
// complaints put the address on the account's suppression list.
import { loadConfig } from "../../shared/config.ts";
import { makeCoreDeps } from "../../shared/deps.ts";
import { sqsConsumer } from "../../shared/queue/consumer.ts";
import { parseSesRecordBody } from "../../shared/feedback/ses-notification.ts";
import { applySesNotification } from "../../shared/feedback/ses-feedback.ts";
import type { StatusService } from "../../shared/status/status-service.ts";

export const makeHandler = (deps: { status: StatusService }) =>
  sqsConsumer("ses-events", async (record) => {
    const notification = parseSesRecordBody(record.body);
    if (notification) await applySesNotification(deps, notification);
  });

export const handler = makeHandler(makeCoreDeps(loadConfig()));
