// The read side on the local platform as `npm start` runs it: mail sent over HTTP and SMTP (real
// clients), then read back through GET /email/logs, /email/reports and /email/statistics with a
// real HTTP client, and through the admin CLI as an operator types it.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, api, eventually, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

let platform: RunningPlatform;
const ids: Record<string, string> = {};

/** The admin CLI's text output, as an operator sees it in the terminal. */
async function adminText(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/admin.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, POSTHASTE_DATA_DIR: platform.dataDir },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`admin ${args.join(" ")} failed: ${err}`);
  return out;
}

const send = async (to: string, subject: string, check = false) => {
  const response = await api(platform.info).post("/email/messages", {
    Recipients: [{ Address: to }],
    CheckUnsubscription: check,
    Sender: { Address: "news@example.com" },
    Subject: subject,
    Body: { PlainText: "Hi" },
  });
  expect(response.status).toBe(200);
  return response.json.Result[0].MessageId as string;
};

const logs = async (query = "") => (await api(platform.info).get(`/email/logs${query}`)).json;

beforeAll(async () => {
  platform = await startPlatformProcess();
  ids.first = await send("anna@example.org", "First");
  ids.second = await send("boris@example.org", "Second");
  ids.bounce = await send("bounce@simulator.posthaste.test", "Bounces");
  // Tags come in over SMTP, in the options header.
  const ca = await readFile(platform.info.smtpCertFile, "utf8");
  const smtp = nodemailer.createTransport({
    host: "127.0.0.1",
    port: platform.info.smtpStarttlsPort,
    requireTLS: true,
    tls: { ca, servername: "localhost" },
    auth: { user: platform.info.accountId, pass: platform.info.apiKey },
  });
  const sent = await smtp.sendMail({
    from: "news@example.com",
    to: "vera@example.org",
    subject: "Welcome",
    text: "Hello",
    headers: { "X-Posthaste": JSON.stringify({ tags: ["welcome"] }) },
  });
  ids.smtp = /queued as (\S+)/.exec(sent.response)![1];
  // Everything reached its final status.
  await eventually(
    async () => {
      const page = await logs(`?limit=10`);
      const done = page.Result.filter((e: { Status: string }) => ["DELIVERED", "BOUNCED"].includes(e.Status));
      return done.length === 4 ? true : undefined;
    },
    30_000,
    "final statuses",
  );
  // Now suppressed: refused at accept.
  ids.rejected = await send("bounce@simulator.posthaste.test", "Refused", true);
}, 90_000);

afterAll(async () => platform?.stop());

describe("the read side on the local platform", () => {
  it("lists the logs newest first, filters them and pages through them with a cursor", async () => {
    const all = await logs();
    expect(all.Result.map((e: { MessageId: string }) => e.MessageId)).toEqual([ids.rejected, ids.smtp, ids.bounce, ids.second, ids.first]);
    const bounced = all.Result.find((e: { MessageId: string }) => e.MessageId === ids.bounce);
    expect(bounced).toMatchObject({ Status: "BOUNCED", Address: "bounce@simulator.posthaste.test", Sender: "news@example.com" });
    expect(bounced.Reason).toMatch(/^550 5\.1\.1/);
    expect(bounced.History.map((h: { Status: string }) => h.Status)).toEqual(["ACCEPTED", "BOUNCED"]);

    expect((await logs("?tag=welcome")).Result.map((e: { MessageId: string }) => e.MessageId)).toEqual([ids.smtp]);
    expect((await logs("?to=Boris@Example.org")).Result.map((e: { MessageId: string }) => e.MessageId)).toEqual([ids.second]);
    expect((await logs("?status=REJECTED")).Result.map((e: { MessageId: string }) => e.MessageId)).toEqual([ids.rejected]);
    expect((await logs(`?messageId=${ids.first}&messageId=${ids.second}`)).Result.map((e: { MessageId: string }) => e.MessageId)).toEqual([
      ids.second,
      ids.first,
    ]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await logs(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      seen.push(...page.Result.map((e: { MessageId: string }) => e.MessageId));
      cursor = page.Cursor;
    } while (cursor);
    expect(seen).toEqual([ids.rejected, ids.smtp, ids.bounce, ids.second, ids.first]);
  });

  it("refuses a bad query with a 400 that names the parameter", async () => {
    for (const [query, ref] of [
      ["/email/logs?limit=1001", "limit"],
      ["/email/logs?colour=red", "colour"],
      ["/email/logs?cursor=forged", "cursor"],
      ["/email/logs?sentSince=yesterday", "sentSince"],
      ["/email/statistics?period=decade", "period"],
      ["/email/statistics?from=2026-03-02&to=2026-03-01", "from"],
      ["/email/statistics?from=2024-01-01&to=2026-01-01", "to"],
      ["/email/reports?limit=0", "limit"],
    ]) {
      const response = await api(platform.info).get(query);
      expect(response.status, query).toBe(400);
      expect(response.json.Reasons?.[0]?.ref, query).toBe(ref);
    }
  });

  it("shows another tenant none of it", async () => {
    const other = await admin(platform.dataDir, ["account", "create", "--name", "Other tenant"]);
    const theirs = api(platform.info, other.apiKey);
    expect((await theirs.get("/email/logs")).json.Result).toEqual([]);
    expect((await theirs.get(`/email/logs?messageId=${ids.first}`)).json.Result).toEqual([]);
    expect((await theirs.get(`/email/reports?messageId=${ids.first}`)).json.Result).toEqual([]);
    const stats = (await theirs.get("/email/statistics?period=week")).json.Result.Rows;
    expect(stats.find((r: { Row: string }) => r.Row === "Total").Count).toBe(0);
  });

  it("hands out each delivery report once", async () => {
    const first = await api(platform.info).get("/email/reports?limit=100");
    expect(first.status).toBe(200);
    const byId = Object.fromEntries(first.json.Result.map((r: { MessageId: string; Status: string }) => [r.MessageId, r.Status]));
    expect(byId).toEqual({
      [ids.first]: "DELIVERED",
      [ids.second]: "DELIVERED",
      [ids.smtp]: "DELIVERED",
      [ids.bounce]: "BOUNCED",
      [ids.rejected]: "REJECTED",
    });
    expect((await api(platform.info).get("/email/reports?limit=100")).json.Result).toEqual([]);
  });

  it("answers the statistics rows from the counters, over HTTP and in the admin CLI", async () => {
    const rows = async (query: string) => {
      const response = await api(platform.info).get(`/email/statistics${query}`);
      expect(response.status).toBe(200);
      return Object.fromEntries(response.json.Result.Rows.map((r: { Row: string; Count: number }) => [r.Row, r.Count]));
    };
    const expected = {
      Billed: 4,
      Sending: 0,
      Sent: 0,
      Delivered: 3,
      Opened: 0,
      Clicked: 0,
      DeliveryErrors: 1,
      Rejected: 1,
      Unsubscribed: 0,
      Total: 5,
      Cancelled: 0,
    };
    // The counters are written just after the status: wait for the last of them.
    await eventually(async () => ((await rows("?period=today")).Total === 5 ? true : undefined), 10_000, "counters");
    expect(await rows("?period=week")).toEqual(expected);
    expect(await rows("?period=year&tz=Asia/Vladivostok")).toEqual(expected);
    expect(await rows("?period=today&tag=welcome")).toMatchObject({ Total: 1, Delivered: 1 });

    const table = await adminText(["stats", "--account", platform.info.accountId, "--period", "week"]);
    expect(table).toMatch(/^Delivered\s+3\s+60 %$/m);
    expect(table).toMatch(/^Delivery errors\s+1\s+20 %$/m);
    expect(table).toMatch(/^Total\s+5\s+100 %$/m);
    const json = await admin(platform.dataDir, ["stats", "--account", platform.info.accountId, "--tag", "welcome"]);
    expect(json.Rows.find((r: { Row: string }) => r.Row === "Total").Count).toBe(1);

    const page = await adminText(["logs", "--account", platform.info.accountId, "--to", "vera@example.org"]);
    expect(page).toContain(ids.smtp);
    expect(page).not.toContain(ids.first);
  });
});
