// SES notifications published to SNS, delivered to the SES-events queue with the SNS envelope
// (as the stand-ins' topic subscription does), consumed by the ses-events handler: statuses and
// suppressions land on the right messages and addresses.
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { randomBytes } from "node:crypto";
import { makeHandler } from "../../functions/queues/ses-events.ts";
import { startPoller, type Poller } from "../../local/pollers.ts";
import { ensureSesEventsTopic, localSnsClient } from "../../local/resources.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS } from "../../shared/domain/submission.ts";
import { sampleSesNotification, type SampleKind } from "../../local/ses-samples.ts";
import { eventually } from "../support/platform.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

describe("SES events arriving through SNS and SQS", () => {
  let t: TestEnv;
  let poller: Poller;
  let topicArn: string;
  const sns = () => localSnsClient(inject("endpoints").sqs);

  beforeAll(async () => {
    t = await makeTestEnv();
    topicArn = await ensureSesEventsTopic(sns(), t.queues.sesEvents.arn, `test-ses-${randomBytes(4).toString("hex")}`);
    poller = startPoller({
      sqs: t.deps.clients.sqs,
      queueUrl: t.queues.sesEvents.url,
      queueArn: t.queues.sesEvents.arn,
      handler: makeHandler(t.deps),
      batchSize: 10,
      concurrency: 1,
    });
  });
  afterAll(async () => poller?.stop());

  /** Messages accepted and handed to SES (SENT), as the SES transport leaves them. */
  async function sentMessages(addresses: string[]) {
    const { caller } = await makeAccount(t.deps);
    const accepted = await acceptSubmission(t.deps, caller, {
      from: { address: "news@example.com" },
      subject: "Hello",
      text: "Hi",
      recipients: addresses.map((address, index) => ({ index, address, mergeFields: {}, extraData: {} })),
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
    });
    for (const m of accepted) await t.deps.status.record(m.messageId, { status: "SENT", ts: Date.now() });
    return { accountId: caller.accountId, ids: accepted.map((m) => m.messageId) };
  }
  const publish = (kind: SampleKind, messageId: string, recipient: string) =>
    sns().send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(sampleSesNotification(kind, { messageId, recipient })) }));
  const statusOf = async (messageId: string) => (await t.deps.messages.getMessage(messageId))!;
  const queueDrained = async () => {
    const { Attributes } = await t.deps.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: t.queues.sesEvents.url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return Attributes?.ApproximateNumberOfMessages === "0" && Attributes?.ApproximateNumberOfMessagesNotVisible === "0" ? true : undefined;
  };

  it("moves each message to its status and suppresses only hard-bounced and complaining addresses", async () => {
    const addresses = ["bounced@example.org", "complains@example.org", "delivered@example.org", "mailbox-full@example.org"];
    const { accountId, ids } = await sentMessages(addresses);

    await publish("Bounce", ids[0], addresses[0]);
    await publish("Complaint", ids[1], addresses[1]);
    await publish("Delivery", ids[2], addresses[2]);
    await publish("TransientBounce", ids[3], addresses[3]);
    await publish("DeliveryDelay", ids[3], addresses[3]);

    await eventually(
      async () => ((await statusOf(ids[2])).status === "DELIVERED" && (await queueDrained()) ? true : undefined),
      15_000,
      "SES events consumed",
    );
    const [bounced, complained, delivered, deferred] = await Promise.all(ids.map(statusOf));
    expect(bounced.status).toBe("BOUNCED");
    expect(bounced.history.at(-1)!.reason).toBe("Permanent/General: smtp; 550 5.1.1 user unknown");
    expect(complained.status).toBe("COMPLAINED");
    expect(delivered.status).toBe("DELIVERED");
    expect(deferred.status).toBe("SENT");
    const suppressed = await Promise.all(addresses.map((a) => t.deps.suppressions.get(accountId, a)));
    expect(suppressed.map((s) => s?.cause)).toEqual(["hard_bounce", "complaint", undefined, undefined]);
  });

  it("ignores an event that arrives twice", async () => {
    const { ids } = await sentMessages(["twice@example.org"]);

    await publish("Delivery", ids[0], "twice@example.org");
    await publish("Delivery", ids[0], "twice@example.org");

    await eventually(
      async () => ((await statusOf(ids[0])).status === "DELIVERED" && (await queueDrained()) ? true : undefined),
      15_000,
      "SES events consumed",
    );
    expect((await statusOf(ids[0])).history.map((h) => h.status)).toEqual(["ACCEPTED", "SENT", "DELIVERED"]);
  });

  it("records opens and clicks reported by SES", async () => {
    const { ids } = await sentMessages(["reader@example.org"]);

    await publish("Delivery", ids[0], "reader@example.org");
    await publish("Open", ids[0], "reader@example.org");
    await publish("Click", ids[0], "reader@example.org");

    const message = await eventually(async () => {
      const m = await statusOf(ids[0]);
      return m.status === "CLICKED" && m.history.length === 5 ? m : undefined;
    });
    expect(message.history.map((h) => h.status).sort()).toEqual(["ACCEPTED", "CLICKED", "DELIVERED", "OPENED", "SENT"]);
  });
});
