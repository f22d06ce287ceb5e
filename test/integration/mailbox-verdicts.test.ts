// The local mailbox judges every message it receives (DKIM, SPF, DMARC) through the DNS
// stand-in. It keeps the answers while the zone they came from is unchanged, so a message costs
// it no lookups the one before it made; a change to the zone is seen by the next message.
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDnsStandIn, type DnsStandIn } from "../../local/dns-standin.ts";
import { publishRecords, removeRecords } from "../../local/dns-zone.ts";
import { startMailbox, type Mailbox } from "../../local/mailbox.ts";

const DOMAIN = "verdicts.example";
const SELECTOR = "ph1";

describe("the mailbox's verdicts", () => {
  let dataDir: string;
  let dns: DnsStandIn;
  let mailbox: Mailbox;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-verdicts-"));
    await publishRecords(dataDir, [
      {
        name: `${SELECTOR}._domainkey.${DOMAIN}`,
        type: "TXT",
        value: `v=DKIM1; k=rsa; p=${publicKey.export({ type: "spki", format: "der" }).toString("base64")}`,
      },
      { name: `bounce.${DOMAIN}`, type: "TXT", value: "v=spf1 ip4:127.0.0.1 ~all" },
      { name: `_dmarc.${DOMAIN}`, type: "TXT", value: `v=DMARC1; p=none` },
    ]);
    dns = await startDnsStandIn({ dataDir, port: 0 });
    mailbox = await startMailbox({
      dir: path.join(dataDir, "mailbox"),
      dnsServers: [`127.0.0.1:${dns.port}`],
      dnsZoneVersion: dns.zoneVersion,
    });
  });
  afterAll(async () => {
    await mailbox?.close();
    await dns?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const send = async (subject: string) => {
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({
        envelope: { from: `bounce+1@bounce.${DOMAIN}`, to: "reader@example.org" },
        from: `Shop <news@${DOMAIN}>`,
        to: "reader@example.org",
        subject,
        html: "<p>Hello</p>",
        headers: { "X-Posthaste-Message-Id": subject.length.toString(36) },
        dkim: { domainName: DOMAIN, keySelector: SELECTOR, privateKey: privateKey.export({ type: "pkcs8", format: "pem" }) as string },
      });
    } finally {
      transport.close();
    }
    return mailbox.list().at(-1)!;
  };

  it("looks each name up once while the zone is unchanged, and sees the zone change at the next message", async () => {
    const passing = { dkim: "pass", dkimDomains: [DOMAIN], spf: "pass", spfDomain: `bounce.${DOMAIN}`, dmarc: "pass" };
    const first = await send("Ünïcödé subject, first");
    expect(first.authentication).toMatchObject(passing);
    // What the listing says of a message comes from its headers, decoded.
    expect(first).toMatchObject({ subject: "Ünïcödé subject, first", messageId: "Ünïcödé subject, first".length.toString(36) });
    const lookupsOfOne = dns.answered();
    expect(lookupsOfOne).toBeGreaterThan(0);

    for (const n of [2, 3, 4]) expect((await send(`message ${n}`)).authentication).toMatchObject(passing);
    expect(dns.answered()).toBe(lookupsOfOne);

    // The owner takes the DKIM key away: the next message is judged on the zone as it is now.
    await removeRecords(dataDir, [`${SELECTOR}._domainkey.${DOMAIN}`]);
    const after = await send("after the key went");
    expect(after.authentication?.dkim).not.toBe("pass");
    expect(after.authentication?.dkimDomains).toEqual([]);
    expect(dns.answered()).toBeGreaterThan(lookupsOfOne);
    const raw = (await mailbox.raw(after.id)).toString();
    expect(raw).toMatch(/Authentication-Results: mailbox\.posthaste\.test;/);
    expect(raw).not.toMatch(/dkim=pass/);
  });
});
