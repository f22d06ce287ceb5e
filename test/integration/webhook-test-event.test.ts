// POST /webhooks/{webhookId}/test: a `webhook.test` event queued for that URL alone, like any event.
import { beforeAll, describe, expect, it } from "vitest";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { makeHandler as makeCreate } from "../../functions/http/webhooks-create.ts";
import { makeHandler as makeTest } from "../../functions/http/webhooks-test.ts";
import { parseJob } from "../../shared/queue/webhooks.ts";
import { webhookEndpoints, webhookQueue } from "../../shared/wiring.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv, webhookManageDeps } from "../support/integration.ts";

describe("the webhook test event", () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = await makeTestEnv();
  });

  const sendTest = (key: string, webhookId: string) =>
    invoke(
      makeTest(t.deps, { endpoints: webhookEndpoints(t.deps.wiring), queue: webhookQueue(t.deps.wiring) }),
      apiEvent({
        method: "POST",
        path: `/webhooks/${webhookId}/test`,
        pathParameters: { webhookId },
        headers: { authorization: `Key ${key}` },
      }),
    );

  it("queues one webhook.test event for the URL, and 404 for another account's or the callback signer", async () => {
    const { apiKey } = await makeAccount(t.deps);
    const created = await invoke(
      makeCreate(t.deps, webhookManageDeps(t.deps)),
      apiEvent({
        method: "POST",
        path: "/webhooks",
        headers: { authorization: `Key ${apiKey}` },
        body: { Url: "http://127.0.0.1:9/test" },
      }),
    );
    const webhookId: string = created.json.Result.Id;

    const answer = await sendTest(apiKey, webhookId);
    expect(answer.statusCode).toBe(202);
    const { EventId } = answer.json.Result;

    const received = await t.deps.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: t.queues.webhooks.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    const jobs = (received.Messages ?? []).map((m) => parseJob(m.Body!));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ target: { endpointId: webhookId }, events: [{ event: "webhook.test", eventId: EventId, webhookId }] });

    const other = await makeAccount(t.deps);
    expect((await sendTest(other.apiKey, webhookId)).statusCode).toBe(404);
    expect((await sendTest(apiKey, "callback")).statusCode).toBe(404);
  });
});
