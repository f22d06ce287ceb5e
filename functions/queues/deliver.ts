// Deliveries queue consumer: each record names up to ten messages to render and send.
import { loadConfig } from "../../shared/config.ts";
import { QUEUES } from "../manifest.ts";
import { wiring } from "../../shared/wiring.ts";
import { deliverDeps } from "../../shared/wiring-delivery.ts";
import { deliverMessage, type DeliverDeps } from "../../shared/deliver/deliver-message.ts";
import { readEachOnce } from "../../shared/files/attachments.ts";
import { messageIdsOf, type DeliveryJob } from "../../shared/queue/deliveries.ts";
import { sqsConsumer } from "../../shared/queue/consumer.ts";

export const makeHandler = (deps: DeliverDeps & { refreshSecrets?: () => Promise<void> }) =>
  sqsConsumer("deliver", async (record) => {
    // The link secret and a relay's login, read again once their max age is past (cached otherwise).
    await deps.refreshSecrets?.();
    const job = JSON.parse(record.body) as DeliveryJob;
    const lastReceive = Number(record.attributes?.ApproximateReceiveCount ?? 1) >= QUEUES.deliveries.maxReceiveCount;
    // The job's messages are usually copies of one submission: their attachments are read once for all.
    const jobDeps = { ...deps, loadAttachments: readEachOnce(deps.loadAttachments) };
    // All of them are tried; any failure fails the record, and its retry skips what went out (the claim).
    const results = await Promise.allSettled(messageIdsOf(job).map((messageId) => deliverMessage(jobDeps, messageId, { lastReceive })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  });

export const handler = makeHandler(deliverDeps(wiring({ config: loadConfig() })));
