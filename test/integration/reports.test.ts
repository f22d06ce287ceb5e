// GET /email/reports against the stand-ins: one report per message that reached a final status,
// handed out once, even to ten readers polling at once; by id; per tenant and project; gone
// with the message after 48 hours.
import { beforeAll, describe, expect, it } from "vitest";
import { makeHandler } from "../../functions/http/reports.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import type { Caller } from "../../shared/domain/account.ts";
import { takeReports } from "../../shared/logs/index.ts";
import { authDeps, reportsDeps } from "../../shared/wiring.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { sampleSubmission } from "../support/fixtures.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

interface Report {
  MessageId: string;
  Status: string;
  Reason?: string;
  SentAt?: string;
  DoneAt?: string;
  ProjectId?: string;
}

describe("GET /email/reports", () => {
  let t: TestEnv;

  const get = (apiKey: string, query: Record<string, string> = {}) =>
    invoke(
      makeHandler({ ...authDeps(t.deps.wiring), ...reportsDeps(t.deps.wiring) }),
      apiEvent({ path: "/email/reports", headers: { authorization: `Key ${apiKey}` }, query }),
    );
  const take = async (apiKey: string, query: Record<string, string> = {}): Promise<Report[]> => {
    const answer = await get(apiKey, query);
    expect(answer.statusCode).toBe(200);
    return answer.json.Result;
  };
  /** Messages of a fresh account: `finals` delivered, bounced or refused, `pending` still on their way. */
  async function account(finals: number, pending: number) {
    const owner = await makeAccount(t.deps);
    const accepted = await acceptSubmission(
      t.deps,
      owner.caller,
      sampleSubmission(Array.from({ length: finals + pending }, (_, i) => `r${i}@example.org`)),
    );
    const ids = accepted.map((r) => r.messageId);
    const done = ids.slice(0, finals);
    await Promise.all(
      done.map((id, i) =>
        t.deps.status.record(
          id,
          i % 3 === 0
            ? { status: "BOUNCED", ts: Date.now(), reason: "550 5.1.1 user unknown" }
            : [
                { status: "SENT", ts: Date.now() },
                { status: "DELIVERED", ts: Date.now(), reason: "250 ok" },
              ],
        ),
      ),
    );
    await Promise.all(
      ids.slice(finals, finals + Math.floor(pending / 2)).map((id) => t.deps.status.record(id, { status: "SENT", ts: Date.now() })),
    );
    return { ...owner, done, pending: ids.slice(finals) };
  }

  beforeAll(async () => {
    t = await makeTestEnv();
  });

  it("hands each report to exactly one of ten readers polling at once, and every report to one of them", async () => {
    const owner = await account(120, 10);
    const readers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const got: string[] = [];
        for (;;) {
          const page = await take(owner.apiKey, { limit: "7" });
          if (page.length === 0) return got;
          got.push(...page.map((r) => r.MessageId));
        }
      }),
    );
    const everything = readers.flat();
    expect(new Set(everything).size).toBe(everything.length);
    expect(everything.sort()).toEqual([...owner.done].sort());
    expect(readers.filter((got) => got.length > 0).length).toBeGreaterThan(1);
    expect(await take(owner.apiKey)).toEqual([]);
  });

  it("reports the final status, its reason and times, once", async () => {
    const owner = await account(2, 0);
    const reports = await take(owner.apiKey);
    const delivered = reports.find((r) => r.Status === "DELIVERED")!;
    const bounced = reports.find((r) => r.Status === "BOUNCED")!;
    expect(delivered).toMatchObject({ Reason: "250 ok", SentAt: expect.any(String), DoneAt: expect.any(String) });
    expect(bounced).toMatchObject({ Reason: "550 5.1.1 user unknown", DoneAt: expect.any(String) });
    expect(bounced.SentAt).toBeUndefined();
    // A later outcome (SES reports a bounce after the delivery) makes no second report.
    await t.deps.status.record(delivered.MessageId, { status: "BOUNCED", ts: Date.now(), reason: "late bounce" });
    expect(await take(owner.apiKey)).toEqual([]);
  });

  it("reports recipients refused at accept and cancelled sends", async () => {
    const owner = await makeAccount(t.deps);
    await t.deps.suppressions.add(owner.caller.accountId, { address: "gone@example.org", cause: "manual" });
    const [gone, later] = await acceptSubmission(t.deps, owner.caller, sampleSubmission(["gone@example.org", "later@example.org"]));
    await t.deps.status.record(later.messageId, { status: "CANCELLED", ts: Date.now() });
    const reports = await take(owner.apiKey);
    expect(reports.map((r) => [r.MessageId, r.Status, r.Reason]).sort()).toEqual(
      [
        [gone.messageId, "REJECTED", "rejected_unsubscribed"],
        [later.messageId, "CANCELLED", undefined],
      ].sort(),
    );
  });

  it("takes one message's report by id, never another tenant's", async () => {
    const owner = await account(3, 1);
    const stranger = await account(1, 0);
    const [first, second] = owner.done;
    expect((await take(owner.apiKey, { messageId: `${first},${stranger.done[0]},${owner.pending[0]}` })).map((r) => r.MessageId)).toEqual([
      first,
    ]);
    expect(await take(owner.apiKey, { messageId: first })).toEqual([]);
    expect((await take(owner.apiKey)).map((r) => r.MessageId).sort()).toEqual([second, owner.done[2]].sort());
    // The stranger's report was not taken by the attempt above.
    expect((await take(stranger.apiKey)).map((r) => r.MessageId)).toEqual(stranger.done);
  });

  it("gives a project key only its project's reports, and leaves the others", async () => {
    const owner = await makeAccount(t.deps);
    const { projectId } = await t.deps.accounts.createProject(owner.caller.accountId, "Receipts");
    const projectKey = await t.deps.accounts.createApiKey(owner.caller.accountId, projectId);
    const projectCaller = (await t.deps.accounts.findCallerByApiKey(projectKey))!;
    const send = async (caller: Caller, n: number) => {
      const ids = (await acceptSubmission(t.deps, caller, sampleSubmission(Array.from({ length: n }, (_, i) => `p${i}@example.org`)))).map(
        (r) => r.messageId,
      );
      await Promise.all(ids.map((id) => t.deps.status.record(id, { status: "BOUNCED", ts: Date.now() })));
      return ids;
    };
    const ofProject = await send(projectCaller, 5);
    const ofAccount = await send(owner.caller, 5);
    const projectReports = await take(projectKey, { limit: "100" });
    expect(projectReports.map((r) => r.MessageId).sort()).toEqual([...ofProject].sort());
    expect(projectReports.every((r) => r.ProjectId === projectId)).toBe(true);
    expect((await take(owner.apiKey, { limit: "100" })).map((r) => r.MessageId).sort()).toEqual([...ofAccount].sort());
  });

  it("lets unread reports expire with their messages after 48 hours", async () => {
    const owner = await account(4, 0);
    const deps = reportsDeps(t.deps.wiring);
    expect(await takeReports(deps, owner.caller, { limit: 50 }, Date.now() + 49 * 3_600_000)).toEqual([]);
    expect(await takeReports(deps, owner.caller, { messageIds: owner.done, limit: 50 }, Date.now() + 49 * 3_600_000)).toEqual([]);
    expect((await takeReports(deps, owner.caller, { limit: 50 }, Date.now() + 47 * 3_600_000)).length).toBe(4);
  });

  it("answers 400 naming the parameter for bad input", async () => {
    const owner = await makeAccount(t.deps);
    const cases: [Record<string, string>, string, string][] = [
      [{ bulkId: "x" }, "unknown_parameter", "bulkId"],
      [{ limit: "0" }, "invalid_value", "limit"],
      [{ limit: "5000" }, "invalid_value", "limit"],
      [{ messageId: "no/slashes" }, "invalid_value", "messageId"],
    ];
    for (const [query, key, ref] of cases) {
      const answer = await get(owner.apiKey, query);
      expect(answer.statusCode).toBe(400);
      expect(answer.json.Reasons).toEqual([{ key, ref }]);
    }
  });
});
