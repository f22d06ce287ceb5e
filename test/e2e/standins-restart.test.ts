// The stand-ins run in a process of their own; when it dies, `npm start` restarts it on the same
// ports and carries on (or, past a few restarts, stops with a clear message), never serving errors forever.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalInfo } from "../../local/platform.ts";
import { api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const readInfo = async (dataDir: string) => JSON.parse(await readFile(path.join(dataDir, "local.json"), "utf8")) as LocalInfo;

const send = (info: LocalInfo, recipients: string[], subject: string) =>
  api(info).post("/email/messages", {
    Recipients: recipients.map((Address) => ({ Address })),
    Sender: { Address: "news@example.com" },
    Subject: subject,
    Body: { PlainText: "Hi" },
  });

/** Kills the stand-ins process as a crash would, and waits until it is gone. */
async function killStandIns(pid: number) {
  process.kill(pid, "SIGKILL");
  await eventually(async () => (isAlive(pid) ? undefined : true), 5_000, "the stand-ins process to die");
}

/** Waits until local.json names a live stand-ins process other than `previousPid`. */
const restartedStandIns = (platform: RunningPlatform, previousPid: number) =>
  eventually(
    async () => {
      const info = await readInfo(platform.dataDir);
      return info.standInsPid !== previousPid && isAlive(info.standInsPid) ? info : undefined;
    },
    30_000,
    "a new stand-ins process",
  );

describe("when the stand-ins process dies", () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    // One delivery at a time, so most of what is accepted below is still waiting at the kill.
    platform = await startPlatformProcess({ env: { LOCAL_POLLER_CONCURRENCY: "1" } });
  });
  afterAll(async () => platform?.stop());

  it("restarts it on the same ports, says so, and delivers what was accepted before and after", async () => {
    const before = platform.info;
    // Enough recipients that deliveries are still under way (or still queued in memory) at the kill.
    const early = Array.from({ length: 200 }, (_, i) => `before-crash-${i}@example.org`);
    const accepted = await send(before, early, "Accepted before the crash");
    expect(accepted.status).toBe(200);
    const earlyIds: string[] = accepted.json.Result.map((r: { MessageId: string }) => r.MessageId);
    expect(earlyIds).toHaveLength(200);

    const deliveredBeforeKill = (await mailbox(before).list()).filter((e) => e.messageId && earlyIds.includes(e.messageId)).length;
    await killStandIns(before.standInsPid);
    expect(deliveredBeforeKill).toBeLessThan(earlyIds.length); // else the crash lost nothing to recover

    const after = await restartedStandIns(platform, before.standInsPid);
    expect(isAlive(before.pid)).toBe(true);
    expect(platform.process.exitCode).toBeNull();
    // The clients' endpoints stay valid: same ports, same queue URLs.
    expect(after).toMatchObject({
      endpoints: before.endpoints,
      queues: before.queues,
      mailboxUrl: before.mailboxUrl,
      sesEventsTopicArn: before.sesEventsTopicArn,
    });
    expect(platform.output()).toMatch(/stand-ins process .*(died|exited)/i);
    // local.json names the new process as soon as it runs; the platform says so once its pollers are back.
    await eventually(
      async () => (/stand-ins process restarted/i.test(platform.output()) ? true : undefined),
      30_000,
      "the restart to be announced",
    );

    const late = await eventually(
      async () => {
        const answer = await send(after, ["after-crash@example.org"], "Accepted after the restart");
        return answer.status === 200 ? answer : undefined;
      },
      15_000,
      "a send to succeed after the restart",
    );
    const lateId: string = late.json.Result[0].MessageId;

    const wanted = new Set([...earlyIds, lateId]);
    await eventually(
      async () => {
        const delivered = new Set((await mailbox(after).list()).map((e) => e.messageId).filter((id) => id && wanted.has(id)));
        return delivered.size === wanted.size ? delivered : undefined;
      },
      45_000,
      "every message accepted before and after the crash in the mailbox",
    );
    const status = await api(after).get(`/email/messages/${earlyIds.at(-1)}`);
    expect(status.json.Result.Status).toBe("DELIVERED");

    // SES feedback flows again: the SES-events topic and its subscription were made anew.
    const complaint = "complaint@simulator.posthaste.test";
    const complained = await send(after, [complaint], "Complained about after the restart");
    const complainedId: string = complained.json.Result[0].MessageId;
    await eventually(
      async () => {
        const answer = await api(after).get(`/email/messages/${complainedId}`);
        return answer.json?.Result?.Status === "COMPLAINED" ? true : undefined;
      },
      20_000,
      "the simulated complaint to be recorded",
    );
    expect((await api(after).get(`/suppressions/${encodeURIComponent(complaint)}`)).json.Result).toMatchObject({ Cause: "complaint" });
  }, 120_000);
});

describe("when the stand-ins process keeps dying", () => {
  it("stops after the allowed restarts with a clear message and a non-zero status", async () => {
    const platform = await startPlatformProcess({ env: { LOCAL_STANDINS_MAX_RESTARTS: "1" } });
    try {
      const exited = new Promise<number | null>((resolve) => platform.process.once("exit", (code) => resolve(code)));
      await killStandIns(platform.info.standInsPid);
      const after = await restartedStandIns(platform, platform.info.standInsPid);

      await killStandIns(after.standInsPid);

      expect(await exited).toBe(1);
      expect(platform.output()).toMatch(/stand-ins process .*died 2 times in 10 minutes/i);
      expect(platform.output()).toMatch(/Posthaste stops/);
    } finally {
      if (platform.process.exitCode === null) await platform.kill();
    }
  });
});
