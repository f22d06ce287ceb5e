// The webhook event of docs/webhooks.md and how events are packed into queue records.
import { describe, expect, it } from "vitest";

import { sampleMessage } from "../support/fixtures.ts";
import { buildWebhookEvent, orderEvents } from "../../shared/webhooks/payload.ts";
import { packJobs } from "../../shared/queue/webhooks.ts";
import type { Message } from "../../shared/domain/message.ts";
import type { WebhookEvent } from "../../shared/domain/webhook.ts";

function message(overrides: Partial<Message> = {}): Message {
  return sampleMessage({
    messageId: "0lq2abc00Xk3VbD8k1h2m3n4",
    accountId: "acc1",
    to: { address: "ivan@example.org", name: "Ivan" },
    extraData: { callbackUrl: "https://app.example.com/hook", orderId: "42" },
    metadata: { campaign: "spring" },
    tags: ["welcome"],
    status: "SENT",
    statusRank: 1,
    history: [
      { status: "ACCEPTED", ts: 1000 },
      { status: "SENT", ts: 2000 },
    ],
    version: 2,
    createdAt: 1000,
    ...overrides,
  });
}

describe("a webhook event", () => {
  it("has the Devino fields plus event id, sequence, metadata, tags and reason", () => {
    const event = buildWebhookEvent({ message: message(), change: { status: "SENT", ts: 2000, reason: "250 ok" } });
    expect(event).toEqual({
      channel: "EMAIL",
      messageId: "0lq2abc00Xk3VbD8k1h2m3n4",
      ts: 2000,
      status: "SENT",
      taskId: 0,
      triggerId: 0,
      email: "ivan@example.org",
      eventId: "0lq2abc00Xk3VbD8k1h2m3n4.2",
      sequence: 2,
      metadata: { campaign: "spring", orderId: "42" },
      tags: ["welcome"],
      reason: "250 ok",
    });
  });

  it("numbers the first status of a message not stored yet as 1", () => {
    const event = buildWebhookEvent({ message: message({ history: [], status: "ACCEPTED" }), change: { status: "ACCEPTED", ts: 1000 } });
    expect(event.sequence).toBe(1);
    expect(event.eventId).toBe("0lq2abc00Xk3VbD8k1h2m3n4.1");
  });

  it("gets the same id every time the same change is built, so duplicates can be dropped", () => {
    const change = { status: "SENT" as const, ts: 2000 };
    expect(buildWebhookEvent({ message: message(), change }).eventId).toBe(buildWebhookEvent({ message: message(), change }).eventId);
  });

  it("leaves out what is not known", () => {
    const event = buildWebhookEvent({
      message: message({ extraData: {}, metadata: undefined, tags: undefined }),
      change: { status: "SENT", ts: 2000 },
    });
    expect(Object.keys(event)).not.toContain("metadata");
    expect(Object.keys(event)).not.toContain("tags");
    expect(Object.keys(event)).not.toContain("reason");
  });
});

const event = (messageId: string, sequence: number, status: WebhookEvent["status"] = "SENT"): WebhookEvent => ({
  channel: "EMAIL",
  messageId,
  ts: 1000 + sequence,
  status,
  taskId: 0,
  triggerId: 0,
  email: "a@example.org",
  eventId: `${messageId}.${sequence}`,
  sequence,
});

describe("events of one request", () => {
  it("come in each message's own order, without duplicates", () => {
    const ordered = orderEvents([event("b", 2), event("a", 3), event("a", 1), event("b", 1), event("a", 3)]);
    expect(ordered.map((e) => e.eventId)).toEqual(["a.1", "a.3", "b.1", "b.2"]);
  });
});

describe("queue records", () => {
  it("hold events of exactly one target each", () => {
    const jobs = packJobs([
      { accountId: "acc1", target: { endpointId: "w1" }, event: event("a", 1) },
      { accountId: "acc1", target: { callbackUrl: "https://x.example/h" }, event: event("a", 1) },
      { accountId: "acc1", target: { endpointId: "w1" }, event: event("b", 1) },
      { accountId: "acc1", target: { callbackUrl: "https://y.example/h" }, event: event("b", 1) },
    ]);
    expect(jobs.map((j) => [j.target, j.events.map((e) => e.eventId)])).toEqual([
      [{ endpointId: "w1" }, ["a.1", "b.1"]],
      [{ callbackUrl: "https://x.example/h" }, ["a.1"]],
      [{ callbackUrl: "https://y.example/h" }, ["b.1"]],
    ]);
  });

  it("stay small enough for SQS when a large request notifies many messages at once", () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ accountId: "acc1", target: { endpointId: "w1" }, event: event(`m${i}`, 1) }));
    const jobs = packJobs(items);
    expect(jobs.reduce((n, j) => n + j.events.length, 0)).toBe(1000);
    for (const job of jobs) expect(Buffer.byteLength(JSON.stringify(job))).toBeLessThanOrEqual(24 * 1024);
    expect(jobs.length).toBeLessThanOrEqual(25);
  });
});
