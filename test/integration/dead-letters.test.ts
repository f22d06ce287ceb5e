import { beforeAll, describe, expect, it } from "vitest";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { replayDeadLetters } from "../../shared/queue/dead-letters.ts";
import { makeTestEnv, type TestEnv } from "../support/integration.ts";

describe("replaying a dead-letter queue", () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = await makeTestEnv();
  });

  it("moves every parked record back to its queue, bodies intact, and empties the DLQ", async () => {
    const { sqs } = t.deps.clients;
    const { dlqUrl, url } = t.queues.deliveries;
    const bodies = Array.from({ length: 13 }, (_, i) => JSON.stringify({ messageId: `m${i}` }));
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body }));

    const moved = await replayDeadLetters(sqs, { dlqUrl, queueUrl: url });

    expect(moved).toBe(13);
    const received: string[] = [];
    for (let i = 0; i < 5 && received.length < 13; i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      received.push(...Messages.map((m) => m.Body!));
    }
    expect(received.sort()).toEqual([...bodies].sort());
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }))).Messages ?? []).toEqual([]);
  });
});
