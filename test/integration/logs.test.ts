// GET /email/logs against the stand-ins: every filter, paging to the end without a gap or a
// repeat, tenant and project scoping, signed cursors, expiry after 48 hours on a clock the test
// controls, and a 400 naming the parameter for bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler } from "../../functions/http/logs.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import type { Caller } from "../../shared/domain/account.ts";
import { messageIdFor, newId } from "../../shared/domain/ids.ts";
import type { Message } from "../../shared/domain/message.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";
import { listLogs } from "../../shared/logs/index.ts";
import { LOG_SHARDS, hashShard } from "../../shared/store/keys.ts";
import { logsDeps, readAuthDeps } from "../../shared/wiring.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { sampleSubmission } from "../support/fixtures.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("GET /email/logs", () => {
  let t: TestEnv;
  let owner: { caller: Caller; apiKey: string };
  let projectCaller: Caller;
  let projectKey: string;
  let projectId: string;
  let other: { caller: Caller; apiKey: string };
  /** Everything the owner sent, newest first, as stored. */
  let all: Message[];
  let otherIds: string[];
  let middle: number;

  const handler = () => makeHandler({ ...readAuthDeps(t.deps.wiring), ...logsDeps(t.deps.wiring) });
  const get = (apiKey: string, query: Record<string, string> = {}) =>
    invoke(handler(), apiEvent({ path: "/email/logs", headers: { authorization: `Key ${apiKey}` }, query }));
  /** Every page of a query, following the cursor to the end. */
  async function everyPage(apiKey: string, query: Record<string, string>) {
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await get(apiKey, { ...query, ...(cursor ? { cursor } : {}) });
      expect(answer.statusCode).toBe(200);
      expect(answer.json.Result.length).toBeLessThanOrEqual(Number(query.limit ?? 50));
      ids.push(...answer.json.Result.map((e: { MessageId: string }) => e.MessageId));
      cursor = answer.json.Cursor;
      if (++pages > 200) throw new Error("paging does not end");
    } while (cursor);
    return ids;
  }
  const idsWhere = (keep: (m: Message) => boolean) => all.filter(keep).map((m) => m.messageId);

  beforeAll(async () => {
    t = await makeTestEnv();
    owner = await makeAccount(t.deps);
    await t.deps.accounts.addDomain(owner.caller.accountId, "news.example.net", true);
    projectId = (await t.deps.accounts.createProject(owner.caller.accountId, "Receipts")).projectId;
    projectKey = await t.deps.accounts.createApiKey(owner.caller.accountId, projectId);
    projectCaller = (await t.deps.accounts.findCallerByApiKey(projectKey))!;
    other = await makeAccount(t.deps);

    await t.deps.suppressions.add(owner.caller.accountId, { address: "gone@example.org", cause: "manual" });
    const ids: string[] = [];
    const send = async (caller: Caller, addresses: string[], overrides?: Partial<Submission>) => {
      const accepted = await acceptSubmission(t.deps, caller, sampleSubmission(addresses, overrides));
      ids.push(...accepted.map((r) => r.messageId));
      await sleep(3);
      return accepted.map((r) => r.messageId);
    };
    // 40 single sends, 3 batches of 20, some tagged, some from another sender, some by the project.
    for (let i = 0; i < 40; i++) await send(owner.caller, [`single${i}@example.org`]);
    const newsletter = await send(owner.caller, [...Array.from({ length: 19 }, (_, i) => `reader${i}@example.org`), "gone@example.org"], {
      from: { address: "letters@news.example.net" },
      tags: ["news", "weekly"],
    });
    // A clear second between the older and the newer half: expiry is kept in whole seconds.
    await sleep(1100);
    middle = Date.now();
    await sleep(1100);
    const receipts = await send(
      projectCaller,
      Array.from({ length: 20 }, (_, i) => `buyer${i}@example.org`),
    );
    await send(
      owner.caller,
      Array.from({ length: 20 }, (_, i) => `late${i}@example.org`),
      { tags: ["news"] },
    );
    otherIds = await send(other.caller, ["stranger@example.org", "single0@example.org"]);
    // Some statuses further on.
    for (const id of newsletter.slice(0, 5))
      await t.deps.status.record(id, [
        { status: "SENT", ts: Date.now() },
        { status: "DELIVERED", ts: Date.now() },
      ]);
    for (const id of receipts.slice(0, 3))
      await t.deps.status.record(id, { status: "BOUNCED", ts: Date.now(), reason: "550 5.1.1 user unknown" });

    const stored = (await Promise.all(ids.map((id) => t.deps.messages.getMessage(id)))) as Message[];
    all = stored
      .filter((m) => m.accountId === owner.caller.accountId)
      .sort((a, b) => b.createdAt - a.createdAt || (a.messageId < b.messageId ? 1 : -1));
    expect(all).toHaveLength(100);
  });
  afterAll(() => undefined);

  it("pages through every message newest first, without a gap or a repeat", async () => {
    const ids = await everyPage(owner.apiKey, { limit: "7" });
    expect(ids).toEqual(all.map((m) => m.messageId));
    expect(await everyPage(owner.apiKey, { limit: "1000" })).toEqual(ids);
  });

  it("reads on in a shard that holds most of the newest messages, keeping the order", async () => {
    // Ids chosen so that 40 of the newest messages share one shard of the index and 10 older ones spread over the rest.
    const skewed = await makeAccount(t.deps);
    const crowded: string[] = [];
    const spread: string[] = [];
    while (crowded.length < 40 || spread.length < 10) {
      const id = messageIdFor(newId(), 0);
      if (hashShard(id, LOG_SHARDS) === 3) crowded.length < 40 && crowded.push(id);
      else if (spread.length < 10) spread.push(id);
    }
    const now = Date.now();
    // Newest first: crowded ones, with the spread ones among the oldest.
    const ordered = [...crowded.slice(0, 30), ...spread.slice(0, 5), ...crowded.slice(30), ...spread.slice(5)];
    const work = t.deps.unitsOfWork.begin();
    t.deps.messages.stage(
      work,
      ordered.map((messageId, i) => ({
        messageId,
        accountId: skewed.caller.accountId,
        submissionId: messageId.slice(0, 25),
        bodyKey: "",
        from: { address: "shop@example.com" },
        to: { address: `r${i}@example.org` },
        subject: "Hello",
        mergeFields: {},
        extraData: {},
        options: DEFAULT_OPTIONS,
        status: "ACCEPTED",
        createdAt: now - i * 1000,
        expiresAt: Math.floor(now / 1000) + 3600,
      })),
      now,
    );
    await work.commit();
    expect(await everyPage(skewed.apiKey, { limit: "7" })).toEqual(ordered);
    expect(await everyPage(skewed.apiKey, { limit: "33" })).toEqual(ordered);
  });

  it("shows each entry's ids, parties, subject, status with the time of each, reason, counts, tags and project", async () => {
    const bounced = all.find((m) => m.projectId && m.history.some((h) => h.status === "BOUNCED"))!;
    const [entry] = (await get(owner.apiKey, { messageId: bounced.messageId })).json.Result;
    expect(entry).toMatchObject({
      MessageId: bounced.messageId,
      SubmissionId: bounced.submissionId,
      ProjectId: projectId,
      Status: "BOUNCED",
      Address: bounced.to.address,
      Sender: "shop@example.com",
      Subject: "Hello",
      Reason: "550 5.1.1 user unknown",
      Opens: 0,
      Clicks: 0,
    });
    expect(entry.History.map((h: { Status: string }) => h.Status)).toEqual(["ACCEPTED", "BOUNCED"]);
    expect(entry.History[1].Time).toBe(new Date(bounced.history[1].ts).toISOString());
    const tagged = all.find((m) => m.tags?.includes("weekly"))!;
    expect((await get(owner.apiKey, { messageId: tagged.messageId })).json.Result[0].Tags).toEqual(["news", "weekly"]);
  });

  it("filters by each field, alone and together, paging through what matches", async () => {
    const cases: [Record<string, string>, (m: Message) => boolean][] = [
      [{ to: "READER3@example.org" }, (m) => m.to.address === "reader3@example.org"],
      [{ from: "letters@news.example.net" }, (m) => m.from.address === "letters@news.example.net"],
      [{ status: "REJECTED" }, (m) => m.status === "REJECTED"],
      [{ status: "DELIVERED,BOUNCED" }, (m) => m.status === "DELIVERED" || m.status === "BOUNCED"],
      [{ tag: "news" }, (m) => !!m.tags?.includes("news")],
      [{ tag: "weekly", status: "ACCEPTED" }, (m) => !!m.tags?.includes("weekly") && m.status === "ACCEPTED"],
      [{ projectId }, (m) => m.projectId === projectId],
      [{ sentSince: new Date(middle).toISOString() }, (m) => m.createdAt >= middle],
      [{ sentUntil: String(middle) }, (m) => m.createdAt <= middle],
      [
        { sentSince: String(middle), sentUntil: new Date(Date.now()).toISOString(), tag: "news" },
        (m) => m.createdAt >= middle && !!m.tags?.includes("news"),
      ],
    ];
    for (const [query, keep] of cases) {
      const expected = idsWhere(keep);
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(await everyPage(owner.apiKey, { ...query, limit: "4" }), JSON.stringify(query)).toEqual(expected);
    }
  });

  it("reads messages by id (repeatable), never another tenant's", async () => {
    const [a, b] = [all[3], all[60]];
    const answer = await get(owner.apiKey, { messageId: [a.messageId, b.messageId, otherIds[0]].join(",") });
    expect(answer.json.Result.map((e: { MessageId: string }) => e.MessageId)).toEqual([a.messageId, b.messageId]);
    expect((await get(owner.apiKey, { messageId: otherIds[0] })).json).toEqual({ Result: [], Code: "ok" });
  });

  it("keeps tenants and projects apart", async () => {
    expect(await everyPage(other.apiKey, { limit: "50" })).toEqual([...otherIds].reverse());
    const projectIds = idsWhere((m) => m.projectId === projectId);
    expect(await everyPage(projectKey, { limit: "6" })).toEqual(projectIds);
    expect((await get(projectKey, { projectId: "anotherproject1" })).json.Result).toEqual([]);
    expect((await get(projectKey, { messageId: all.find((m) => !m.projectId)!.messageId })).json.Result).toEqual([]);
  });

  it("refuses a cursor of another account or project, or one that was tampered with", async () => {
    const { Cursor } = (await get(owner.apiKey, { limit: "3" })).json;
    expect(Cursor).toEqual(expect.any(String));
    for (const [apiKey, cursor] of [
      [other.apiKey, Cursor],
      [projectKey, Cursor],
      [owner.apiKey, `${Cursor.slice(0, -2)}xx`],
      [owner.apiKey, "not-a-cursor"],
    ]) {
      const answer = await get(apiKey, { cursor });
      expect(answer.statusCode).toBe(400);
      expect(answer.json.Reasons).toEqual([{ key: "invalid_cursor", ref: "cursor" }]);
    }
  });

  it("forgets messages after 48 hours, on the reader's clock", async () => {
    const deps = logsDeps(t.deps.wiring);
    const newest = all[0].createdAt;
    const oldest = all[all.length - 1].createdAt;
    const at = async (now: number, query: Record<string, string> = { limit: "1000" }) =>
      (await listLogs(deps, owner.caller, query, now)).Result.map((e) => e.MessageId);
    expect(await at(oldest + 47 * 3_600_000)).toHaveLength(100);
    // Just past 48 hours for the oldest messages, not yet for the newest.
    const between = await at(middle + 48 * 3_600_000);
    expect(between).toEqual(idsWhere((m) => m.createdAt > middle));
    expect(await at(newest + 48 * 3_600_000 + 1000)).toEqual([]);
    expect(await at(newest + 49 * 3_600_000, { messageId: all[0].messageId })).toEqual([]);
  });

  it("answers 400 naming the parameter for bad input", async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ recipient: "a@example.org" }, "unknown_parameter", "recipient"],
      [{ sentSince: "yesterday" }, "invalid_date", "sentSince"],
      [{ sentUntil: "2026-03-01T10:00" }, "invalid_date", "sentUntil"],
      [{ sentSince: "2026-03-02T00:00:00Z", sentUntil: "2026-03-01T00:00:00Z" }, "from_after_to", "sentSince"],
      [{ limit: "0" }, "invalid_value", "limit"],
      [{ limit: "1001" }, "invalid_value", "limit"],
      [{ status: "LOST" }, "invalid_value", "status"],
      [{ to: "not-an-address" }, "invalid_address", "to"],
      [{ messageId: "../etc" }, "invalid_value", "messageId"],
      [{ messageId: `${all[0].messageId},${all[1].messageId}`, limit: "1" }, "too_many_items", "messageId"],
    ];
    for (const [query, key, ref] of cases) {
      const answer = await get(owner.apiKey, query);
      expect(answer.statusCode, JSON.stringify(query)).toBe(400);
      expect(answer.json.Reasons, JSON.stringify(query)).toEqual([{ key, ref }]);
    }
  });
});
