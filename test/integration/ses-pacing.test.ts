// A burst of 1,000 messages delivered through the SES transport by the Deliver handler, with two
// "containers" (each its own wiring, clients, limiter and pacer, as Lambda containers are) polling
// the deliveries queue, against an SES stand-in that holds the account to N sends a second as SES
// does: past N in a second it answers TooManyRequestsException. Pacing to the account's
// GetAccount rate keeps the sends under it, and what is held back goes back to the queue without
// counting as an attempt: no bounce. N is 50: the stand-ins on a small machine deliver about a
// hundred messages a second, so a higher N would never be exceeded, paced or not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeDeliverHandler } from "../../functions/queues/deliver.ts";
import { startPoller, type Poller } from "../../local/pollers.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { loadConfig } from "../../shared/config.ts";
import type { Message } from "../../shared/domain/message.ts";
import type { StatusListener } from "../../shared/domain/status.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";
import { deliverDeps } from "../../shared/wiring-delivery.ts";
import { wiring } from "../../shared/wiring.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import { eventually } from "../support/platform.ts";
import { startSesStandIn, type SesStandIn } from "../support/ses-standin.ts";

const RATE = 50;
const BURST = 1000;
const CONTAINERS = 2;

describe(`a burst through SES on an account limited to ${RATE} sends a second`, () => {
  let t: TestEnv;
  let ses: SesStandIn;
  const pollers: Poller[] = [];
  let messageIds: string[];
  let messages: Message[];
  /** How each message ended (SENT, or BOUNCED), as the status service tells its listeners. */
  const ended = new Map<string, string>();
  const watchEnds: StatusListener = async (events) => {
    for (const { message, change } of events) if (change.status !== "ACCEPTED") ended.set(message.messageId, change.status);
  };

  beforeAll(async () => {
    ses = await startSesStandIn();
    ses.limit({ maxSendRate: RATE, max24HourSend: -1 });
    t = await makeTestEnv({
      env: {
        TRANSPORT: "ses",
        SES_ENDPOINT: ses.endpoint,
        // Without pacing, two throttled tries would end a message BOUNCED within seconds.
        DELIVERY_MAX_ATTEMPTS: "2",
        DELIVERY_RETRY_BASE_SECONDS: "1",
        DELIVERY_THROTTLE_RETRY_SECONDS: "1",
      },
    });
    const { caller } = await makeAccount(t.deps);
    const submission: Submission = {
      from: { address: "news@example.com" },
      subject: "Burst",
      text: "One of a thousand.",
      recipients: Array.from({ length: BURST }, (_, index) => ({
        index,
        address: `r${index}@example.org`,
        mergeFields: {},
        extraData: {},
      })),
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
    };
    messageIds = (await acceptSubmission(t.deps, caller, submission)).map((accepted) => accepted.messageId);

    for (let container = 0; container < CONTAINERS; container++) {
      // Each container builds its own dependencies from the environment, as a Lambda does at a cold start.
      const deps = deliverDeps(wiring({ config: loadConfig(t.env), listeners: [watchEnds] }));
      pollers.push(
        startPoller({
          sqs: t.deps.clients.sqs,
          queueUrl: t.queues.deliveries.url,
          queueArn: t.queues.deliveries.arn,
          handler: makeDeliverHandler(deps),
          batchSize: 10,
          concurrency: 2,
        }),
      );
    }
    // 1,000 at 50 a second take 20 s; the margin is for a machine busy with other test files.
    await eventually(async () => (ended.size >= BURST ? true : undefined), 240_000, "every message to be sent or to bounce");
    await Promise.all(pollers.map((poller) => poller.stop()));
    messages = await Promise.all(messageIds.map(async (id) => (await t.deps.messages.getMessage(id))!));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    await ses?.close();
  });

  it("sends every message once, and bounces none", () => {
    expect(messages.map((m) => m.status).filter((status) => status !== "SENT")).toEqual([]);
    expect([...ended.values()].filter((status) => status !== "SENT")).toEqual([]);
    const sentIds = ses.calls.filter((call) => call.status === 200).map((call) => call.body.EmailTags?.[0]?.Value);
    expect(sentIds).toHaveLength(BURST);
    expect(new Set(sentIds)).toEqual(new Set(messageIds));
  });

  it("counts no held-back send as an attempt", () => {
    expect(messages.filter((m) => m.attempts !== 1).map((m) => ({ id: m.messageId, attempts: m.attempts }))).toEqual([]);
  });

  it("keeps to the account's rate: SES throttles almost nothing, and accepts at most the rate in any second", () => {
    const throttled = ses.calls.filter((call) => call.status === 429).length;
    // A send whose token was taken at the very end of a second can reach SES in the next one.
    expect(throttled).toBeLessThanOrEqual(BURST * 0.05);
    const perSecond = new Map<number, number>();
    for (const call of ses.calls.filter((c) => c.status === 200)) {
      const second = Math.floor(call.at / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(RATE);
    expect(perSecond.size).toBeGreaterThanOrEqual(BURST / RATE);
  });

  it("reads the account's rate from SES, not once per message", () => {
    expect(ses.accountReads()).toBeGreaterThanOrEqual(1);
    expect(ses.accountReads()).toBeLessThanOrEqual(CONTAINERS * 4);
  });
});
