// Sending domains on the local platform as `npm start` runs it: a tenant adds a domain through
// the API, publishes its records to the DNS stand-in (as it would at its DNS host), verifies it,
// and sends from it over HTTP and SMTP; the mailbox judges the mail as a receiving server would
// (mailauth: DKIM, SPF, DMARC alignment). When the DKIM record disappears, a re-check stops
// sending from the domain with a clear error and posts domain.verification_failed.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

let platform: RunningPlatform;
let hooks: Server;
const posted: any[] = [];
const domain = `shop-${randomBytes(3).toString("hex")}.test`;

beforeAll(async () => {
  // The sender check is cached per container; a short cache lets the refusal bite within the test.
  platform = await startPlatformProcess({ env: { ACCOUNT_CACHE_SECONDS: "1" } });
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      posted.push(...JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`;
  expect((await api(platform.info).post("/webhooks", { Url: url })).status).toBe(201);
});

afterAll(async () => {
  await platform?.stop();
  hooks?.close();
});

const send = (from: string) =>
  api(platform.info).post("/email/messages", {
    Recipients: [{ Address: "ivan@example.org" }],
    Sender: { Address: from },
    Subject: `From ${from} ${randomBytes(3).toString("hex")}`,
    Body: { Html: "<p>Hello</p>", PlainText: "Hello" },
  });

async function smtpSend(from: string, subject: string) {
  const { info } = platform;
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: info.smtpStarttlsPort,
    requireTLS: true,
    tls: { ca: await readFile(info.smtpCertFile, "utf8"), servername: "localhost" },
    auth: { user: info.accountId, pass: info.apiKey },
  });
  try {
    return await transport.sendMail({ from, to: "olga@example.org", subject, text: "Hello over SMTP" });
  } finally {
    transport.close();
  }
}

const record = (view: any, purpose: string) => view.Records.find((r: any) => r.Purpose === purpose);

describe("sending domains", () => {
  it("sets up and verifies the development domain at first start, so local mail is signed", async () => {
    const { status, json } = await api(platform.info).get(`/domains/${platform.info.senderDomain}`);
    expect(status).toBe(200);
    expect(json.Result).toMatchObject({ Domain: "example.com", Status: "verified", CanSend: true });
    expect(json.Result.Records.every((r: any) => r.Verified)).toBe(true);
  });

  it("adds a domain, verifies it from the DNS stand-in, signs its mail, and stops it when its DKIM record goes", async () => {
    const client = api(platform.info);

    // Added: the records to publish, none of them there yet.
    const added = await client.post("/domains", { Domain: domain.toUpperCase() });
    expect(added.status).toBe(201);
    expect(added.json.Result).toMatchObject({ Domain: domain, Status: "pending", CanSend: false });
    expect(added.json.Result.Records.map((r: any) => [r.Purpose, r.Type, r.Name])).toEqual([
      ["dkim", "TXT", `${added.json.Result.DkimSelector}._domainkey.${domain}`],
      ["returnPathMx", "MX", `bounce.${domain}`],
      ["returnPathSpf", "TXT", `bounce.${domain}`],
      ["dmarc", "TXT", `_dmarc.${domain}`],
      ["tracking", "CNAME", `track.${domain}`],
    ]);
    expect(record(added.json.Result, "dkim").Value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    expect(record(added.json.Result, "returnPathSpf").Value).toBe("v=spf1 ip4:127.0.0.1 ~all");
    expect(JSON.stringify(added.json)).not.toMatch(/PRIVATE KEY|sealed/i);
    expect(added.json.Result.Records.every((r: any) => r.Verified === false && r.State === "missing")).toBe(true);

    // Not verified yet: refused, saying why; verify before the records exist answers each record's state.
    const early = await send(`news@${domain}`);
    expect(early.status).toBe(400);
    expect(early.json.Reasons[0].key).toBe("sender_not_verified");
    expect(early.json.Description).toContain(`${domain} is not verified yet`);
    const notYet = await client.post(`/domains/${domain}/verify`);
    expect(notYet.status).toBe(200);
    expect(notYet.json.Result).toMatchObject({ Status: "pending", CanSend: false });

    // Published at the "DNS host", then verified.
    await admin(platform.dataDir, ["dns", "publish", "--account", platform.info.accountId, "--domain", domain]);
    const verified = await client.post(`/domains/${domain}/verify`);
    expect(verified.status).toBe(200);
    expect(verified.json.Result).toMatchObject({ Status: "verified", CanSend: true, TrackingHost: `track.${domain}` });
    expect(verified.json.Result.Records.every((r: any) => r.Verified)).toBe(true);

    // Sent over HTTP and SMTP: the mailbox finds DKIM, SPF and DMARC passing, aligned with From.
    const overHttp = await send(`news@${domain}`);
    expect(overHttp.status).toBe(200);
    const httpId = overHttp.json.Result[0].MessageId;
    const smtpSubject = `SMTP from ${domain}`;
    await smtpSend(`news@${domain}`, smtpSubject);
    const box = mailbox(platform.info);
    const httpMail = await eventually(async () => (await box.list(`?messageId=${httpId}`))[0], 20_000, "the HTTP message");
    const smtpMail = await eventually(
      async () => (await box.list("?to=olga@example.org")).find((e) => e.subject === smtpSubject),
      20_000,
      "the SMTP message",
    );
    for (const entry of [httpMail, smtpMail] as any[]) {
      expect(entry.envelope.from).toMatch(new RegExp(`^bounce\\+[\\w-]+@bounce\\.${domain.replace(/\./g, "\\.")}$`));
      expect(entry.authentication).toEqual({
        dkim: "pass",
        dkimDomains: [domain],
        spf: "pass",
        spfDomain: `bounce.${domain}`,
        dmarc: "pass",
        alignment: { dkim: domain, spf: `bounce.${domain}` },
      });
      const raw = await box.raw(entry.id);
      expect(raw).toMatch(/^Received-SPF: pass/);
      expect(raw).toMatch(
        new RegExp(`Authentication-Results: mailbox\\.posthaste\\.test;\\r?\\n dkim=pass header\\.i=@${domain.replace(/\./g, "\\.")}`),
      );
      expect(raw).toMatch(/dmarc=pass/);
      expect(raw).toContain(`DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${domain};`);
    }

    // The DKIM record disappears; the re-check marks the domain, tells the owner, and sending stops.
    await admin(platform.dataDir, ["dns", "remove", "--domain", record(verified.json.Result, "dkim").Name]);
    const failed = await client.post(`/domains/${domain}/verify`);
    expect(failed.status).toBe(200);
    expect(failed.json.Result).toMatchObject({ Status: "failed", CanSend: false });
    expect(record(failed.json.Result, "dkim")).toMatchObject({ Verified: false, State: "missing" });
    expect(record(failed.json.Result, "returnPathSpf")).toMatchObject({ Verified: true });

    const refused = await eventually(
      async () => {
        const answer = await send(`news@${domain}`);
        return answer.status === 400 ? answer : undefined;
      },
      10_000,
      "the HTTP refusal",
    );
    expect(refused.json.Reasons[0]).toEqual({ key: "sender_not_verified", ref: "Sender.Address" });
    expect(refused.json.Description).toContain(`Sender domain ${domain} failed verification`);
    expect(refused.json.Description).toContain("_domainkey");
    const smtpRefusal = await eventually(
      () =>
        smtpSend(`news@${domain}`, "after").then(
          () => undefined,
          (error: Error) => error,
        ),
      10_000,
      "the SMTP refusal",
    );
    expect(smtpRefusal.message).toContain(`Disallowed source address: news@${domain} (Sender domain ${domain} failed verification`);

    const event = await eventually(async () => posted.find((e) => e.event === "domain.verification_failed"), 20_000, "the webhook");
    expect(event).toMatchObject({ domain, status: "failed", failedRecords: [{ purpose: "dkim", type: "TXT", state: "missing" }] });
    expect(typeof event.eventId).toBe("string");

    // The admin CLI's re-check of every domain sees the same.
    const recheck = await admin(platform.dataDir, ["domain", "recheck"]);
    expect(recheck).toMatchObject({ failed: 1, errors: 0 });
  });

  it("refuses names that cannot be sending domains, and domains another account verified", async () => {
    const client = api(platform.info);
    for (const [name, key] of [
      ["not a domain", "invalid_domain"],
      ["192.0.2.10", "ip_not_allowed"],
      ["co.uk", "public_suffix"],
      ["github.io", "public_suffix"],
      ["", "required"],
    ]) {
      const answer = await client.post("/domains", { Domain: name });
      expect(answer.status, name).toBe(400);
      expect(answer.json.Reasons[0], name).toEqual({ key, ref: "Domain" });
    }

    // example.com is verified for the development account.
    const other = await admin(platform.dataDir, ["account", "create", "--name", "Other"]);
    const taken = await api(platform.info, other.apiKey).post("/domains", { Domain: "example.com" });
    expect(taken.status).toBe(409);
    expect(taken.json.Reasons[0]).toEqual({ key: "domain_taken", ref: "Domain" });
    expect(taken.json.Description).toBe("example.com is already verified by another account");

    // Another account's domains are not found, and a project key reads but does not change them.
    expect((await api(platform.info, other.apiKey).get("/domains/example.com")).status).toBe(404);
    const project = await admin(platform.dataDir, ["project", "create", "--account", platform.info.accountId, "--name", "p"]);
    expect((await api(platform.info, project.apiKey).get("/domains")).status).toBe(200);
    expect((await api(platform.info, project.apiKey).post("/domains", { Domain: "shop.example.net" })).status).toBe(403);
  });

  it("lists the account's domains, and a removed domain stops sending and is free for another account", async () => {
    const client = api(platform.info);
    const gone = `gone-${randomBytes(3).toString("hex")}.test`;
    expect((await client.post("/domains", { Domain: gone })).status).toBe(201);
    await admin(platform.dataDir, ["dns", "publish", "--account", platform.info.accountId, "--domain", gone]);
    expect((await client.post(`/domains/${gone}/verify`)).json.Result.Status).toBe("verified");
    expect((await send(`news@${gone}`)).status).toBe(200);

    const listed = await client.get("/domains");
    expect(listed.status).toBe(200);
    const names = listed.json.Result.map((d: any) => d.Domain);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["example.com", gone]));
    expect(JSON.stringify(listed.json)).not.toMatch(/PRIVATE KEY|sealed/i);

    // A project key may not remove it; the account key does, once.
    const project = await admin(platform.dataDir, ["project", "create", "--account", platform.info.accountId, "--name", "q"]);
    expect((await api(platform.info, project.apiKey).call("DELETE", `/domains/${gone}`)).status).toBe(403);
    const removed = await client.call("DELETE", `/domains/${gone}`);
    expect(removed.status).toBe(200);
    expect((await client.get(`/domains/${gone}`)).status).toBe(404);
    expect((await client.call("DELETE", `/domains/${gone}`)).status).toBe(404);
    expect((await client.get("/domains")).json.Result.map((d: any) => d.Domain)).not.toContain(gone);
    const refused = await eventually(
      async () => {
        const answer = await send(`news@${gone}`);
        return answer.status === 400 ? answer : undefined;
      },
      10_000,
      "the refusal after removal",
    );
    expect(refused.json.Reasons[0]).toEqual({ key: "sender_not_verified", ref: "Sender.Address" });

    // The first account let it go: another account may add it, publish its own key and verify it.
    const other = await admin(platform.dataDir, ["account", "create", "--name", "Next owner"]);
    const theirs = api(platform.info, other.apiKey);
    expect((await theirs.post("/domains", { Domain: gone })).status).toBe(201);
    await admin(platform.dataDir, ["dns", "publish", "--account", other.accountId, "--domain", gone]);
    const verified = await theirs.post(`/domains/${gone}/verify`);
    expect(verified.status).toBe(200);
    expect(verified.json.Result).toMatchObject({ Domain: gone, Status: "verified", CanSend: true });
  });
});
