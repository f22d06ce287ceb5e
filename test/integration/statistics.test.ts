// GET /email/statistics against the stand-ins, from counters the production status listeners
// keep: a known mix of sends, deliveries, bounces, a rejection, retries, opens, clicks and an
// unsubscribe (with duplicate SES events and redelivered queue records) must give exactly the
// truth in every cell, for the account, a project and a tag; and the same after the rollup.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeDeliverHandler } from "../../functions/queues/deliver.ts";
import { makeHandler as makeSesEventsHandler } from "../../functions/queues/ses-events.ts";
import { makeHandler as makeStatisticsHandler } from "../../functions/http/statistics.ts";
import { startMailbox, type Mailbox } from "../../local/mailbox.ts";
import { sampleSesNotification, type SampleKind } from "../../local/ses-samples.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { deliverMessage, type DeliverDeps } from "../../shared/deliver/deliver-message.ts";
import type { Caller } from "../../shared/domain/account.ts";
import { makeAttachmentLoader } from "../../shared/files/attachments.ts";
import { recordClick, recordOpen } from "../../shared/links/engagement.ts";
import { getStatistics, rollUpStatistics, statisticsView } from "../../shared/statistics/index.ts";
import { COUNTER_SHARDS } from "../../shared/store/keys.ts";
import { makeSmtpTransport } from "../../shared/transport/transport.ts";
import { counterStore } from "../../shared/wiring.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { sampleSubmission } from "../support/fixtures.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

const sqsEvent = (id: string, body: unknown): SQSEvent =>
  ({ Records: [{ messageId: id, body: JSON.stringify(body), attributes: { ApproximateReceiveCount: "1" } }] }) as unknown as SQSEvent;

/** Rows as the API shows them: name -> [count, percent]. */
type Table = Record<string, [number, number | undefined]>;
const tableOf = (rows: { Row: string; Count: number; Percent?: number }[]): Table =>
  Object.fromEntries(rows.map((r) => [r.Row, [r.Count, r.Percent]]));

/** The full expected table from the counts of the rows that are stored. */
function expected(c: {
  sending: number;
  sent: number;
  delivered: number;
  errors: number;
  rejected: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
}): Table {
  const billed = c.sending + c.sent + c.delivered + c.errors;
  const total = billed + c.rejected;
  const pct = (n: number) => (total ? Math.round((n / total) * 10_000) / 100 : 0);
  const row = (n: number): [number, number] => [n, pct(n)];
  return {
    Billed: row(billed),
    Sending: row(c.sending),
    Sent: row(c.sent),
    Delivered: row(c.delivered),
    Opened: row(c.opened),
    Clicked: row(c.clicked),
    DeliveryErrors: row(c.errors),
    Rejected: row(c.rejected),
    Unsubscribed: row(c.unsubscribed),
    Total: row(total),
    Cancelled: [0, undefined],
  };
}

describe("statistics from counters", () => {
  let t: TestEnv;
  let mailbox: Mailbox;
  let deliverDeps: DeliverDeps;
  let owner: { caller: Caller; apiKey: string };
  let projectKey: string;
  let projectId: string;
  let other: { caller: Caller; apiKey: string };
  let started: number;

  const statistics = async (apiKey: string, query: Record<string, string> = {}) => {
    const handler = makeStatisticsHandler({ ...t.deps, counters: counterStore(t.deps.wiring) });
    const period = { from: new Date(started - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    return invoke(
      handler,
      apiEvent({ path: "/email/statistics", headers: { authorization: `Key ${apiKey}` }, query: { ...period, ...query } }),
    );
  };
  const sesEvent = (kind: SampleKind, messageId: string, recipient: string) =>
    sqsEvent(`ses-${kind}-${messageId}`, {
      Type: "Notification",
      Message: JSON.stringify(sampleSesNotification(kind, { messageId, recipient })),
    });

  beforeAll(async () => {
    t = await makeTestEnv({ productionListeners: true, env: { DELIVERY_MAX_ATTEMPTS: "2", DELIVERY_RETRY_BASE_SECONDS: "0" } });
    mailbox = await startMailbox({ dir: await mkdtemp(path.join(os.tmpdir(), "posthaste-mailbox-")) });
    deliverDeps = {
      ...t.deps,
      transport: makeSmtpTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, plain: true, finalHop: true }),
      loadAttachments: makeAttachmentLoader(t.deps.clients.s3, t.config.bucketName),
    };
    owner = await makeAccount(t.deps);
    projectId = (await t.deps.accounts.createProject(owner.caller.accountId, "Receipts")).projectId;
    projectKey = await t.deps.accounts.createApiKey(owner.caller.accountId, projectId);
    other = await makeAccount(t.deps);
    started = Date.now();

    // Newsletter, account key, two tags: two delivered, a hard bounce, a deferral that gives up, a suppressed address.
    await t.deps.suppressions.add(owner.caller.accountId, { address: "gone@example.org", cause: "manual" });
    const news = await acceptSubmission(
      t.deps,
      owner.caller,
      sampleSubmission(
        ["ann@example.org", "bob@example.org", "bounce@simulator.posthaste.test", "defer@simulator.posthaste.test", "gone@example.org"],
        {
          tags: ["news", "promo"],
        },
      ),
    );
    expect(news.map((r) => r.status)).toEqual(["ACCEPTED", "ACCEPTED", "ACCEPTED", "ACCEPTED", "REJECTED"]);
    const [ann, bob, bounce, defer] = news.map((r) => r.messageId);
    const deliver = makeDeliverHandler(deliverDeps);
    const job = sqsEvent("job-1", { messageIds: [ann, bob, bounce] });
    expect((await deliver(job)).batchItemFailures).toEqual([]);
    expect((await deliver(job)).batchItemFailures).toEqual([]); // the same queue record again: claims skip all three
    expect((await deliverMessage(deliverDeps, defer)).result).toBe("retry");
    expect((await deliverMessage(deliverDeps, defer)).result).toBe("bounced");
    const engagement = { messages: t.deps.messages, status: t.deps.status };
    await recordOpen(engagement, ann);
    await recordOpen(engagement, ann);
    await recordClick(engagement, ann);
    await recordOpen(engagement, bob);
    await t.deps.status.record(ann, { status: "UNSUBSCRIBED", ts: Date.now(), reason: "unsubscribe page" });
    await t.deps.status.record(ann, { status: "UNSUBSCRIBED", ts: Date.now(), reason: "unsubscribe page" });

    // Receipts, project key, through SES: events arrive twice, and one queue record is delivered twice.
    const projectCaller = (await t.deps.accounts.findCallerByApiKey(projectKey))!;
    const receipts = await acceptSubmission(
      t.deps,
      projectCaller,
      sampleSubmission(["cat@example.org", "dan@example.org", "eve@example.org", "fay@example.org"]),
    );
    const [cat, dan, eve] = receipts.map((r) => r.messageId);
    for (const id of [cat, dan, eve]) await t.deps.status.record(id, { status: "SENT", ts: Date.now() });
    const ses = makeSesEventsHandler(t.deps);
    const delivery = sesEvent("Delivery", cat, "cat@example.org");
    await ses(delivery);
    await ses(delivery);
    await ses(sesEvent("Delivery", cat, "cat@example.org"));
    await ses(sesEvent("Open", cat, "cat@example.org"));
    await ses(sesEvent("Open", cat, "cat@example.org"));
    await ses(sesEvent("Bounce", dan, "dan@example.org"));
    await ses(sesEvent("Bounce", dan, "dan@example.org"));
    // eve stays SENT, fay ACCEPTED.

    // Another tenant's traffic never shows in this account's figures.
    const [zed] = await acceptSubmission(t.deps, other.caller, sampleSubmission(["zed@example.org"]));
    await deliverMessage(deliverDeps, zed.messageId);
  });

  afterAll(async () => {
    deliverDeps?.transport.close();
    await mailbox?.close();
  });

  const ACCOUNT = { sending: 1, sent: 1, delivered: 3, errors: 3, rejected: 1, opened: 3, clicked: 1, unsubscribed: 1 };

  it("gives the account's figures exactly, every row and percentage", async () => {
    const answer = await statistics(owner.apiKey);
    expect(answer.statusCode).toBe(200);
    expect(tableOf(answer.json.Result.Rows)).toEqual(expected(ACCOUNT));
    expect(answer.json.Result.Rows.find((r: any) => r.Row === "Billed")).toEqual({ Row: "Billed", Count: 8, Percent: 88.89 });
  });

  it("gives a project's figures to its project key, and a tag's", async () => {
    const project = { sending: 1, sent: 1, delivered: 1, errors: 1, rejected: 0, opened: 1, clicked: 0, unsubscribed: 0 };
    expect(tableOf((await statistics(projectKey)).json.Result.Rows)).toEqual(expected(project));
    expect(tableOf((await statistics(owner.apiKey, { projectId })).json.Result.Rows)).toEqual(expected(project));
    const tagged = { sending: 0, sent: 0, delivered: 2, errors: 2, rejected: 1, opened: 2, clicked: 1, unsubscribed: 1 };
    expect(tableOf((await statistics(owner.apiKey, { tag: "news" })).json.Result.Rows)).toEqual(expected(tagged));
    expect(tableOf((await statistics(owner.apiKey, { tag: "promo" })).json.Result.Rows)).toEqual(expected(tagged));
    const none = { sending: 0, sent: 0, delivered: 0, errors: 0, rejected: 0, opened: 0, clicked: 0, unsubscribed: 0 };
    // The project's messages have no tags; and a project key sees nothing of another project.
    expect(tableOf((await statistics(projectKey, { tag: "news" })).json.Result.Rows)).toEqual(expected(none));
    expect(tableOf((await statistics(projectKey, { projectId: "someoneelse01" })).json.Result.Rows)).toEqual(expected(none));
  });

  it("keeps tenants apart", async () => {
    const answer = await statistics(other.apiKey);
    const zed = { sending: 0, sent: 0, delivered: 1, errors: 0, rejected: 0, opened: 0, clicked: 0, unsubscribed: 0 };
    expect(tableOf(answer.json.Result.Rows)).toEqual(expected(zed));
  });

  it("splits the same figures by hour and by day", async () => {
    for (const groupBy of ["hour", "day"]) {
      const answer = await statistics(owner.apiKey, { groupBy, tz: "Asia/Kolkata" });
      expect(answer.statusCode).toBe(200);
      const buckets = answer.json.Result.Buckets as { Rows: { Row: string; Count: number }[] }[];
      expect(buckets.length).toBeGreaterThan(0);
      const sum = (row: string) => buckets.reduce((n, b) => n + b.Rows.find((r) => r.Row === row)!.Count, 0);
      for (const row of ["Total", "Billed", "Delivered", "DeliveryErrors", "Opened", "Clicked"])
        expect(sum(row)).toBe(tableOf(answer.json.Result.Rows)[row][0]);
    }
  });

  it("answers 400 naming the parameter for bad input", async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ period: "decade" }, "invalid_value", "period"],
      [{ tz: "Nowhere/Land" }, "invalid_time_zone", "tz"],
      [{ limit: "5" }, "unknown_parameter", "limit"],
    ];
    for (const [query, key, ref] of cases) {
      const handler = makeStatisticsHandler({ ...t.deps, counters: counterStore(t.deps.wiring) });
      const answer = await invoke(
        handler,
        apiEvent({ path: "/email/statistics", headers: { authorization: `Key ${owner.apiKey}` }, query }),
      );
      expect(answer.statusCode).toBe(400);
      expect(answer.json.Reasons).toEqual([{ key, ref }]);
    }
  });

  // Last: the rollup closes today in this file's table.
  it("answers the same once the days are rolled up, and a year in a bounded number of reads", async () => {
    const later = Date.now() + 4 * 86_400_000;
    const rolled = await rollUpStatistics(
      { counters: counterStore(t.deps.wiring), retentionHours: t.config.retentionHours },
      { now: later },
    );
    expect(rolled.done).toBe(true);
    expect(rolled.days).toContain(new Date(started).toISOString().slice(0, 10).replace(/-/g, ""));
    expect(tableOf((await statistics(owner.apiKey)).json.Result.Rows)).toEqual(expected(ACCOUNT));

    const year = await getStatistics(counterStore(t.deps.wiring), owner.caller, { period: "year" }, later);
    expect(tableOf(statisticsView(year).Rows)).toEqual(expected(ACCOUNT));
    expect(year.reads).toBeLessThanOrEqual(1 + 1 + 2 + COUNTER_SHARDS);
  });
});
