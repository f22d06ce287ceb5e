// Deliveries queue consumer: each record names up to ten messages to render and send.
import { loadConfig } from "../../shared/config.ts";
import { QUEUES } from "../manifest.ts";
import { wiring } from "../../shared/wiring.ts";
import { deliverDeps } from "../../shared/wiring-delivery.ts";
import type { DeliverDeps } from "../../shared/deliver/deliver-message.ts";
import { deliverJob } from "../../shared/deliver/deliver-job.ts";
import type { DeliveryJob } from "../../shared/queue/deliveries.ts";
import { sqsConsumer } from "../../shared/queue/consumer.ts";

export const makeHandler = (deps: DeliverDeps & { refreshSecrets?: () => Promise<void> }) =>
  sqsConsumer("deliver", async (record) => {
    // The link secret and a relay's login, read again once their max age is past (cached otherwise).
    await deps.refreshSecrets?.();
    const job = JSON.parse(record.body) as DeliveryJob;
    const lastReceive = Number(record.attributes?.ApproximateReceiveCount ?? 1) >= QUEUES.deliveries.maxReceiveCount;
    await deliverJob(deps, job, { lastReceive });
  });

export const handler = makeHandler(deliverDeps(wiring({ config: loadConfig() })));
