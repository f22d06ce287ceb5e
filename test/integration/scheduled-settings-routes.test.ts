// The scheduled-send and account-settings routes as Lambda handlers (their services have tests of
// their own): a send scheduled through the send route, moved and cancelled through theirs; the
// settings read and changed. Every answer also goes through the contract check.
import { beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeGetSettings } from "../../functions/http/account-settings-get.ts";
import { makeHandler as makeUpdateSettings } from "../../functions/http/account-settings-update.ts";
import { makeHandler as makeCancel } from "../../functions/http/scheduled-cancel.ts";
import { makeHandler as makeMove } from "../../functions/http/scheduled-move.ts";
import { makeHandler as makeSend } from "../../functions/http/send-messages.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

describe("the scheduled-send and account-settings routes", () => {
  let t: TestEnv;
  let apiKey: string;
  const auth = () => ({ authorization: `Key ${apiKey}` });

  beforeAll(async () => {
    t = await makeTestEnv();
    ({ apiKey } = await makeAccount(t.deps));
  });

  it("moves a scheduled send, then cancels it", async () => {
    const deps = { ...t.deps, retentionHours: t.config.retentionHours };
    const sendAt = new Date(Date.now() + 86_400_000).toISOString();
    const sent = await invoke(
      makeSend(t.deps),
      apiEvent({
        method: "POST",
        path: "/email/messages",
        headers: auth(),
        body: {
          Recipients: [{ Address: "later@example.org" }],
          Sender: { Address: "news@example.com" },
          Subject: "Later",
          Body: { PlainText: "Later" },
          SendAt: sendAt,
        },
      }),
    );
    expect(sent.statusCode).toBe(200);
    const messageId: string = sent.json.Result[0].MessageId;
    const submissionId = (await t.deps.messages.getMessage(messageId))!.submissionId;
    const at = { pathParameters: { submissionId }, path: `/email/scheduled/${submissionId}`, headers: auth() };

    const newTime = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const moved = await invoke(makeMove(deps), apiEvent({ method: "PATCH", ...at, body: { SendAt: newTime } }));
    expect(moved.statusCode).toBe(200);
    expect(moved.json.Result).toMatchObject({
      SubmissionId: submissionId,
      Moved: 1,
      Messages: [{ MessageId: messageId, Status: "SCHEDULED" }],
    });

    const cancelled = await invoke(makeCancel(deps), apiEvent({ method: "DELETE", ...at }));
    expect(cancelled.json.Result).toMatchObject({ Cancelled: 1, Messages: [{ MessageId: messageId, Status: "CANCELLED" }] });
  });

  it("reads and changes the account's settings", async () => {
    const got = await invoke(makeGetSettings(t.deps), apiEvent({ path: "/account/settings", headers: auth() }));
    expect(got.json.Result).toMatchObject({ TrackLinks: true });
    const changed = await invoke(
      makeUpdateSettings(t.deps),
      apiEvent({ method: "PATCH", path: "/account/settings", headers: auth(), body: { TrackLinks: false } }),
    );
    expect(changed.json.Result).toMatchObject({ TrackLinks: false });
    const refused = await invoke(
      makeUpdateSettings(t.deps),
      apiEvent({ method: "PATCH", path: "/account/settings", headers: auth(), body: { RateLimitPerSecond: 5 } }),
    );
    expect(refused.statusCode).toBe(400);
  });
});
