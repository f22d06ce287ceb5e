// Status webhooks on the local platform as `npm start` runs it: a real HTTP receiver on loopback
// that fails on purpose, the retry schedule (1 s here instead of a minute), parking and replay,
// and SES feedback from the simulator reaching the webhook.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDynamoClients, makeSqsClient } from "../../shared/aws.ts";
import { loadConfig } from "../../shared/config.ts";
import { makeWebhookRecordStore } from "../../shared/store/webhook-records.ts";
import { verifySignature } from "../../shared/webhooks/signature.ts";

import { api, eventually, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";
import type { WebhookEvent } from "../../shared/domain/webhook.ts";

interface Delivery {
  path: string;
  answered: number;
  signature: string;
  timestamp: string;
  body: string;
  events: WebhookEvent[];
}

/** A receiver on loopback that records every request; `answer` decides each status code. */
async function startReceiver(answer: (path: string, events: WebhookEvent[]) => number) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const events = JSON.parse(body) as WebhookEvent[];
      const answered = answer(req.url ?? "/", events);
      deliveries.push({
        path: req.url ?? "/",
        answered,
        signature: String(req.headers["x-posthaste-signature"] ?? ""),
        timestamp: String(req.headers["x-posthaste-timestamp"] ?? ""),
        body,
        events,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    deliveries: (path: string) => deliveries.filter((d) => d.path === path),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const TIMES_FAILED = new Map<string, number>();
let downIsUp = false;

describe("status webhooks on the local platform", () => {
  let platform: RunningPlatform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let callbackSecret: string;

  beforeAll(async () => {
    receiver = await startReceiver((path, events) => {
      if (path.startsWith("/flaky")) {
        // 500 to the first two deliveries of each event, then 200.
        const seen = events.map((e) => TIMES_FAILED.get(e.eventId) ?? 0);
        for (const [i, e] of events.entries()) TIMES_FAILED.set(e.eventId, seen[i] + 1);
        return seen.some((n) => n < 2) ? 500 : 200;
      }
      if (path.startsWith("/down")) return downIsUp ? 200 : 503;
      return 200;
    });
    platform = await startPlatformProcess({ env: { WEBHOOK_RETRY_SECONDS: "1", WEBHOOK_ENDPOINT_CACHE_SECONDS: "0" } });
    const webhooks = await api(platform.info).get("/webhooks");
    callbackSecret = webhooks.json.Result.find((w: { Id: string }) => w.Id === "callback").Secret;
  });
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  const send = (address: string, callbackUrl: string) =>
    api(platform.info).post("/email/messages", {
      Recipients: [{ Address: address, ExtraData: { callbackUrl, orderId: "A-17" } }],
      Sender: { Address: "news@example.com" },
      Subject: "Your order",
      Body: { PlainText: "Thanks" },
    });

  it("retries a receiver that answers 500 twice, with the same event id and a valid signature each time, and the statuses can be put in order", async () => {
    const sent = await send("ivan@example.org", receiver.url("/flaky"));
    const messageId = sent.json.Result[0].MessageId;

    const acknowledged = await eventually(
      async () => {
        const ok = receiver
          .deliveries("/flaky")
          .filter((d) => d.answered === 200)
          .flatMap((d) => d.events);
        return ok.filter((e) => e.messageId === messageId).length >= 3 ? ok : undefined;
      },
      30_000,
      "three statuses acknowledged",
    );

    const all = receiver.deliveries("/flaky");
    for (const status of ["ACCEPTED", "SENT", "DELIVERED"]) {
      const copies = all.flatMap((d) => d.events).filter((e) => e.messageId === messageId && e.status === status);
      expect(copies).toHaveLength(3);
      expect(new Set(copies.map((e) => e.eventId)).size).toBe(1);
    }
    for (const delivery of all) {
      expect(verifySignature(callbackSecret, { signature: delivery.signature, timestamp: delivery.timestamp }, delivery.body)).toBe(true);
    }
    const ordered = acknowledged.filter((e) => e.messageId === messageId).sort((a, b) => a.sequence - b.sequence);
    expect(ordered.map((e) => e.status)).toEqual(["ACCEPTED", "SENT", "DELIVERED"]);
    expect(ordered.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(ordered.map((e) => e.ts)).toEqual([...ordered.map((e) => e.ts)].sort((a, b) => a - b));
    expect(ordered[0]).toMatchObject({
      channel: "EMAIL",
      email: "ivan@example.org",
      taskId: 0,
      triggerId: 0,
      metadata: { orderId: "A-17" },
    });
  });

  it("parks the events of a URL that always fails after 5 retries, and delivers them on replay", async () => {
    const sent = await send("olga@example.org", receiver.url("/down"));
    const messageId = sent.json.Result[0].MessageId;
    const config = loadConfig({
      POSTHASTE_MODE: "local",
      TABLE_NAME: platform.info.tableName,
      BUCKET_NAME: "-",
      LINK_SECRET: "-",
      DYNAMODB_ENDPOINT: platform.info.endpoints.dynamodb,
      SQS_ENDPOINT: platform.info.endpoints.sqs,
    });
    const { ddb } = makeDynamoClients(config);
    const sqs = makeSqsClient(config);
    const parked = async () =>
      (await makeWebhookRecordStore(ddb, platform.info.tableName).listParked({ accountId: platform.info.accountId })).entries.length;
    const deadLetters = async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: platform.info.queues.webhooks.dlqUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    };
    const attemptsOf = (status: string) =>
      receiver
        .deliveries("/down")
        .flatMap((d) => d.events)
        .filter((e) => e.messageId === messageId && e.status === status).length;

    // Two records: ACCEPTED, then SENT and DELIVERED together (the mailbox answers at once, so
    // both are recorded in one write and posted in one request, as one JSON array).
    await eventually(async () => ((await parked()) >= 2 ? true : undefined), 45_000, "two records parked");

    for (const status of ["ACCEPTED", "SENT", "DELIVERED"]) expect(attemptsOf(status)).toBe(6); // the first try and 5 retries
    downIsUp = true;
    const replay = await api(platform.info).post("/webhooks/replay");
    expect(replay.status).toBe(200);
    expect(replay.json.Result).toMatchObject({ Replayed: 2, Complete: true });
    const delivered = await eventually(
      async () => {
        const ok = receiver
          .deliveries("/down")
          .filter((d) => d.answered === 200)
          .flatMap((d) => d.events)
          .filter((e) => e.messageId === messageId);
        return ok.length >= 3 ? ok : undefined;
      },
      15_000,
      "replayed events delivered",
    );
    expect(delivered.map((e) => e.status).sort()).toEqual(["ACCEPTED", "DELIVERED", "SENT"]);
    expect(await parked()).toBe(0);
    // Parked per account by the consumer: the operator's dead-letter queue stays empty.
    expect(await deadLetters()).toBe(0);
    sqs.destroy();
    ddb.destroy();
  });

  it("posts to the account's webhook URL with that URL's own secret", async () => {
    const created = await api(platform.info).post("/webhooks", { Url: receiver.url("/account") });
    expect(created.status).toBe(201);
    const sent = await send("anna@example.org", receiver.url("/ok"));
    const messageId = sent.json.Result[0].MessageId;

    const deliveries = await eventually(
      async () => {
        const found = receiver
          .deliveries("/account")
          .filter((d) => d.events.some((e) => e.messageId === messageId && e.status === "DELIVERED"));
        return found.length ? found : undefined;
      },
      15_000,
      "account webhook",
    );
    expect(
      verifySignature(
        created.json.Result.Secret,
        { signature: deliveries[0].signature, timestamp: deliveries[0].timestamp },
        deliveries[0].body,
      ),
    ).toBe(true);
    expect(
      verifySignature(callbackSecret, { signature: deliveries[0].signature, timestamp: deliveries[0].timestamp }, deliveries[0].body),
    ).toBe(false);
    await api(platform.info).call("DELETE", `/webhooks/${created.json.Result.Id}`);
  });

  it("reports a complaint from the SES simulator as COMPLAINED and suppresses the address", async () => {
    const address = "complaint@simulator.posthaste.test";
    const sent = await send(address, receiver.url("/complaint"));
    const messageId = sent.json.Result[0].MessageId;

    const complained = await eventually(
      async () => {
        const events = receiver
          .deliveries("/complaint")
          .flatMap((d) => d.events)
          .filter((e) => e.messageId === messageId && e.status === "COMPLAINED");
        return events[0];
      },
      20_000,
      "COMPLAINED webhook",
    );

    expect(complained.reason).toBe("complaint: abuse");
    const again = await api(platform.info).post("/email/messages", {
      Recipients: [{ Address: address }],
      CheckUnsubscription: true,
      Sender: { Address: "news@example.com" },
      Subject: "Again",
      Body: { PlainText: "Hi" },
    });
    expect(again.json.Result[0]).toMatchObject({ Status: "REJECTED", Description: "rejected_unsubscribed" });
  });
});
