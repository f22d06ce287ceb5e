// A status change's webhook survives a crash of the local platform: the receiver is down, so
// the events wait for their next attempt when the platform is killed with SIGKILL; started
// again on the same data directory, it posts them.
import { rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { api, eventually, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";
import type { WebhookEvent } from "../../shared/domain/webhook.ts";

describe("webhook events across a kill -9 of the local platform", () => {
  let platform: RunningPlatform | undefined;
  let server: Server;
  let port: number;
  let up = false;
  const attempts: WebhookEvent[] = [];
  const taken: WebhookEvent[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const events = JSON.parse(body) as WebhookEvent[];
        attempts.push(...events);
        if (up) taken.push(...events);
        res.writeHead(up ? 200 : 503).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    ({ port } = server.address() as AddressInfo);
  });
  afterAll(async () => {
    await platform?.stop();
    if (platform) await rm(platform.dataDir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("posts the events that were waiting for a retry when the platform was killed", async () => {
    // A failed post is retried a minute later, as by default: the kill comes well before that.
    const env = { WEBHOOK_RETRY_SECONDS: "60" };
    platform = await startPlatformProcess({ env });
    const sent = await api(platform.info).post("/email/messages", {
      Recipients: [{ Address: "ivan@example.org", ExtraData: { callbackUrl: `http://127.0.0.1:${port}/hook` } }],
      Sender: { Address: "news@example.com" },
      Subject: "Your order",
      Body: { PlainText: "Thanks" },
    });
    const messageId = sent.json.Result[0].MessageId as string;
    const statusesOf = (events: WebhookEvent[]) =>
      [...new Set(events.filter((e) => e.messageId === messageId).map((e) => e.status))].sort();
    await eventually(async () => (statusesOf(attempts).length === 3 ? true : undefined), 20_000, "a first, failed attempt of every status");

    await platform.kill();
    up = true;
    platform = await startPlatformProcess({ dataDir: platform.dataDir, env });

    await eventually(async () => (statusesOf(taken).length === 3 ? true : undefined), 30_000, "the events posted after the restart");
    expect(statusesOf(taken)).toEqual(["ACCEPTED", "DELIVERED", "SENT"]);
  });
});
