// The local platform as `npm start` runs it: a real HTTP client in, the mailbox out.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { admin, api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

/** The request example of the Devino reference's send method, as the reference prints it (a curl command). */
const SEED = path.resolve(import.meta.dirname, "../fixtures/devino-send-request.txt");

/** The request example, made valid JSON (it has a trailing comma). */
async function referenceExample(): Promise<Record<string, any>> {
  const text = await readFile(SEED, "utf8");
  const start = text.indexOf("-d '") + 4;
  const raw = text.slice(start, text.indexOf("}'", start) + 1);
  const body = JSON.parse(raw.replace(/,(\s*[}\]])/g, "$1"));
  // Attachments are uploaded through the files API first; the example's id does not exist here.
  delete body.AttachmentsIds;
  return body;
}

const messageStatus = async (platform: RunningPlatform, messageId: string, apiKey?: string) =>
  (await api(platform.info, apiKey).get(`/email/messages/${messageId}`)).json?.Result;

describe("sending through the HTTP API on the local platform", () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startPlatformProcess();
    await admin(platform.dataDir, ["domain", "add", "--account", platform.info.accountId, "--domain", "test.com"]);
  });
  afterAll(async () => platform?.stop());

  it("delivers the reference example with the merge field rendered and one signed unsubscribe URL", async () => {
    const body = await referenceExample();
    expect(body["\u0421heckUnsubscription"]).toBe(true); // the Cyrillic spelling is what we post

    const response = await api(platform.info).post("/email/messages", body);

    expect(response.status).toBe(200);
    expect(response.json.Code).toBe("ok");
    const [result] = response.json.Result;
    expect(result).toMatchObject({ Index: 0, Address: "ivan@ivanmail.ru", Code: "ok" });

    const entry = await eventually(
      async () => (await mailbox(platform.info).list(`?messageId=${result.MessageId}`))[0],
      15_000,
      "delivery",
    );
    const mail = await simpleParser(await mailbox(platform.info).raw(entry.id));
    expect(mail.subject).toBe("Тестовое сообщение");
    expect(mail.html).toContain("<p>Иван, Добро пожаловать!</p>");
    const header = (name: string) =>
      mail.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/^[^:]+:\s*/, "")
        .replace(/\r?\n\s+/g, " ");
    const headerUrl = /<(http[^>]+)>/.exec(header("list-unsubscribe") ?? "")?.[1];
    expect(headerUrl).toMatch(new RegExp(`^${platform.info.apiUrl}/u/${result.MessageId}\\.[\\w-]{40,}$`));
    expect(mail.html).toContain(`href="${headerUrl}"`);
    expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");

    const status = await eventually(async () => {
      const s = await messageStatus(platform, result.MessageId);
      return s?.Status === "DELIVERED" ? s : undefined;
    });
    expect(status.History.map((h: { Status: string }) => h.Status)).toEqual(["ACCEPTED", "SENT", "DELIVERED"]);
  });

  it("ends a bounce address BOUNCED and then rejects it as suppressed", async () => {
    const send = (check: boolean) =>
      api(platform.info).post("/email/messages", {
        Recipients: [{ Address: "bounce@simulator.posthaste.test" }],
        CheckUnsubscription: check,
        Sender: { Address: "news@example.com" },
        Subject: "Hello",
        Body: { PlainText: "Hi" },
      });
    const first = await send(false);
    const messageId = first.json.Result[0].MessageId;

    const bounced = await eventually(async () => {
      const s = await messageStatus(platform, messageId);
      return s?.Status === "BOUNCED" ? s : undefined;
    });
    expect(bounced.History.at(-1).Reason).toMatch(/^550 5\.1\.1/);

    const second = await send(true);
    expect(second.json.Result[0]).toMatchObject({ Code: "ok", Status: "REJECTED", Description: "rejected_unsubscribed" });
    const rejected = await messageStatus(platform, second.json.Result[0].MessageId);
    expect(rejected.Status).toBe("REJECTED");
    expect(await mailbox(platform.info).list("?to=bounce@simulator.posthaste.test")).toEqual([]);
  });

  it("does not show a message to another tenant's key", async () => {
    const sent = await api(platform.info).post("/email/messages", {
      Recipients: [{ Address: "private@example.org" }],
      Sender: { Address: "news@example.com" },
      Subject: "Private",
      Body: { PlainText: "Hi" },
    });
    const messageId = sent.json.Result[0].MessageId;
    const other = await admin(platform.dataDir, ["account", "create", "--name", "Other tenant"]);

    const foreign = await api(platform.info, other.apiKey).get(`/email/messages/${messageId}`);
    const own = await api(platform.info).get(`/email/messages/${messageId}`);

    expect(foreign.status).toBe(404);
    expect(foreign.json.Code).toBe("not_found");
    expect(own.status).toBe(200);
  });
});

describe("a restart between accept and delivery", () => {
  it("still delivers every accepted message exactly once", async () => {
    const stalled = await startPlatformProcess({ env: { POSTHASTE_POLLERS: "off" } });
    const recipients = Array.from({ length: 5 }, (_, i) => ({ Address: `restart${i}@example.org` }));
    const sent = await api(stalled.info).post("/email/messages", {
      Recipients: recipients,
      Sender: { Address: "news@example.com" },
      Subject: "Survives a crash",
      Body: { PlainText: "Hi" },
    });
    const ids: string[] = sent.json.Result.map((r: { MessageId: string }) => r.MessageId);
    expect(ids).toHaveLength(5);
    await stalled.kill();

    const restarted = await startPlatformProcess({ dataDir: stalled.dataDir });
    try {
      expect(restarted.info).toMatchObject({ accountId: stalled.info.accountId, apiKey: stalled.info.apiKey });
      const delivered = await eventually(
        async () => {
          const entries = (await mailbox(restarted.info).list()).filter((e) => ids.includes(e.messageId!));
          return entries.length >= 5 ? entries : undefined;
        },
        20_000,
        "redelivery after restart",
      );
      // Give a duplicate the time to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = (await mailbox(restarted.info).list()).filter((e) => ids.includes(e.messageId!));
      expect(new Set(delivered.map((e) => e.messageId))).toEqual(new Set(ids));
      expect(after).toHaveLength(5);
      for (const id of ids) expect((await messageStatus(restarted, id)).Status).toBe("DELIVERED");
    } finally {
      await restarted.stop();
    }
  });
});
