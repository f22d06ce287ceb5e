// The Infobip-compatible door on the local platform, driven as Infobip customers drive it: with
// Infobip's official Node SDK pointed at the local base URL, and with a plain multipart client
// (fetch's FormData, what curl -F sends). The mail is read back from the local mailbox.
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthType, Infobip } from "@infobip-api/sdk";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

let platform: RunningPlatform;
let sender: string;

const sha = (content: Uint8Array) => createHash("sha256").update(content).digest("hex");

function sdk(authType = AuthType.ApiKey, apiKey = platform.info.apiKey) {
  return new Infobip({
    baseUrl: platform.info.apiUrl,
    authType,
    apiKey,
    username: platform.info.accountId,
    password: apiKey,
  });
}

/** A multipart POST the way curl -F sends it. */
async function post(pathname: string, fields: [string, string | Blob, string?][], authorization = `App ${platform.info.apiKey}`) {
  const form = new FormData();
  for (const [name, value, filename] of fields) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, value, filename);
  }
  const response = await fetch(`${platform.info.apiUrl}${pathname}`, { method: "POST", headers: { authorization }, body: form });
  return { status: response.status, json: (await response.json()) as any };
}

async function delivered(messageId: string) {
  const entry = await eventually(async () => (await mailbox(platform.info).list(`?messageId=${messageId}`))[0], 20_000, "delivery");
  // keepCidLinks: the HTML as sent, not with inline images turned into data: URLs.
  return simpleParser(await mailbox(platform.info).raw(entry.id), { keepCidLinks: true });
}

beforeAll(async () => {
  platform = await startPlatformProcess();
  sender = `news@${platform.info.senderDomain}`;
});

afterAll(async () => platform?.stop());

describe("POST /email/3/send", () => {
  it("sends with the official SDK: attachments, an inline image, cc, bcc and per-recipient placeholders", async () => {
    const pdf = randomBytes(50 * 1024);
    const png = randomBytes(2 * 1024);
    const response = await sdk().channels.email.send({
      from: `Jane Smith <${sender}>`,
      to: [JSON.stringify({ to: "ann@example.org", placeholders: { name: "Ann" } }), "bob@example.org"],
      cc: "carol@example.org",
      bcc: ["dave@example.org"],
      subject: "Hello {{name}}",
      text: "Dear {{name}}, see attached.",
      html: '<p>Dear {{name}}</p><img src="cid:logo.png">',
      defaultPlaceholders: JSON.stringify({ name: "friend" }),
      attachment: [{ data: pdf, name: "invoice.pdf" }],
      inlineImage: [{ data: png, name: "logo.png" }],
    });
    expect(response.status).toBe(200);
    const { bulkId, messages } = response.data;
    expect(typeof bulkId).toBe("string");
    expect(messages.map((m: { to: string }) => m.to)).toEqual([
      "ann@example.org",
      "bob@example.org",
      "carol@example.org",
      "dave@example.org",
    ]);
    for (const message of messages) {
      expect(message.status).toEqual({
        groupId: 1,
        groupName: "PENDING",
        id: 26,
        name: "PENDING_ACCEPTED",
        description: "Message accepted, pending for delivery.",
      });
    }

    const ann = await delivered(messages[0].messageId);
    expect(ann.subject).toBe("Hello Ann");
    expect(ann.text).toContain("Dear Ann, see attached.");
    expect(ann.from?.value[0]).toMatchObject({ name: "Jane Smith", address: sender });
    const attached = ann.attachments.find((a) => a.filename === "invoice.pdf")!;
    expect(sha(attached.content)).toBe(sha(pdf));
    const inline = ann.attachments.find((a) => a.filename === "logo.png")!;
    expect(inline.contentId).toBe("<logo.png>");
    expect(inline.related).toBe(true);
    expect(sha(inline.content)).toBe(sha(png));
    expect(String(ann.html)).toContain('src="cid:logo.png"');

    const bob = await delivered(messages[1].messageId);
    expect(bob.subject).toBe("Hello friend");
    const dave = await delivered(messages[3].messageId);
    expect(dave.to).toMatchObject({ value: [{ address: "dave@example.org" }] });
  });

  it("answers a plain multipart client with Basic (account id and key) and Bearer too", async () => {
    const basic = `Basic ${Buffer.from(`${platform.info.accountId}:${platform.info.apiKey}`).toString("base64")}`;
    for (const authorization of [basic, `Bearer ${platform.info.apiKey}`, `Key ${platform.info.apiKey}`]) {
      const sent = await post(
        "/email/3/send",
        [
          ["from", sender],
          ["to", "erin@example.org"],
          ["subject", "Plain"],
          ["text", "Body"],
        ],
        authorization,
      );
      expect(sent.status).toBe(200);
      expect(sent.json.messages).toHaveLength(1);
    }
  });

  it("answers a wrong key or a Basic login naming another id with Infobip's 401", async () => {
    const wrong = await sdk(AuthType.ApiKey, "not-a-key").channels.email.send({
      from: sender,
      to: "x@example.org",
      subject: "s",
      text: "t",
    });
    expect(wrong.response.status).toBe(401);
    expect(wrong.response.data).toEqual({
      requestError: { serviceException: { messageId: "UNAUTHORIZED", text: "Missing or invalid API key" } },
    });
    const otherId = `Basic ${Buffer.from(`someone-else:${platform.info.apiKey}`).toString("base64")}`;
    const sent = await post(
      "/email/3/send",
      [
        ["from", sender],
        ["to", "x@example.org"],
        ["subject", "s"],
        ["text", "t"],
      ],
      otherId,
    );
    expect(sent.status).toBe(401);
  });

  it("refuses bad input with a 400 naming the field, and records nothing of it", async () => {
    const cases: { fields: [string, string | Blob, string?][]; field: string }[] = [
      {
        fields: [
          ["from", sender],
          ["subject", "s"],
          ["text", "t"],
        ],
        field: "to",
      },
      {
        fields: [
          ["from", "ceo@not-our-domain.example"],
          ["to", "x@example.org"],
          ["subject", "s"],
          ["text", "t"],
        ],
        field: "from",
      },
      {
        fields: [
          ["from", sender],
          ["to", "x@example.org"],
          ["subject", "s"],
          ["text", "t"],
          ["colour", "red"],
        ],
        field: "colour",
      },
      {
        fields: [
          ["from", sender],
          ["to", "x@example.org"],
          ["to", "not an address"],
          ["subject", "s"],
          ["text", "t"],
        ],
        field: "to[1]",
      },
      {
        fields: [
          ["from", sender],
          ["to", "x@example.org"],
          ["subject", "s"],
          ["html", "<p>x</p>"],
          ["ampHtml", "<html amp4email></html>"],
        ],
        field: "ampHtml",
      },
      {
        fields: [
          ["from", sender],
          ["to", "x@example.org"],
          ["subject", "s"],
          ["text", "t"],
          ["attachment", new Blob([randomBytes(7 * 1024 * 1024 + 1)]), "big.bin"],
        ],
        field: "attachment",
      },
    ];
    const before = (await mailbox(platform.info).list()).length;
    for (const { fields, field } of cases) {
      const sent = await post("/email/3/send", fields);
      expect(sent.status, field).toBe(400);
      expect(sent.json.requestError.serviceException.messageId).toBe("BAD_REQUEST");
      expect(Object.keys(sent.json.requestError.serviceException.validationErrors), field).toEqual([field]);
    }
    // The first recipient of the "to[1]" case was valid: nothing of that request went out either.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await mailbox(platform.info).list()).length).toBe(before);
    // Nor was any of it recorded: the log has no message to x@example.org.
    expect((await sdk().channels.email.log.get({ to: "x@example.org" })).data.results).toEqual([]);
  });

  it("refuses a part without a name", async () => {
    const boundary = "----posthaste-test";
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="from"',
      "",
      sender,
      `--${boundary}`,
      "Content-Disposition: form-data",
      "",
      "nameless",
      `--${boundary}--`,
      "",
    ].join("\r\n");
    const response = await fetch(`${platform.info.apiUrl}/email/3/send`, {
      method: "POST",
      headers: { authorization: `App ${platform.info.apiKey}`, "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(response.status).toBe(400);
    const json = (await response.json()) as any;
    expect(json.requestError.serviceException.text).toBe("A part of the form has no name");
  });
});

describe("/email/1/domains", () => {
  it("adds a domain with the SDK, shows its DNS records, verifies it once they are published, lists and deletes it", async () => {
    const email = sdk().channels.email;
    const domain = "mail.infobip-move.example";
    const added = await email.domain.add(domain);
    expect(added.status).toBe(200);
    expect(added.data).toMatchObject({ domainName: domain, active: false });
    const dkim = added.data.dnsRecords.find((r: { name: string }) => r.name.includes("._domainkey."));
    expect(dkim).toMatchObject({ recordType: "txt", verified: false });
    expect(dkim.expectedValue).toMatch(/^v=DKIM1;/);

    // Unpublished: verifying changes nothing.
    expect((await email.domain.verify(domain)).status).toBe(202);
    expect((await email.domain.get(domain)).data.active).toBe(false);

    await admin(platform.dataDir, ["dns", "publish", "--account", platform.info.accountId, "--domain", domain]);
    expect((await email.domain.verify(domain)).status).toBe(202);
    const verified = await email.domain.get(domain);
    expect(verified.data.active).toBe(true);
    expect(verified.data.dnsRecords.find((r: { name: string }) => r.name === dkim.name).verified).toBe(true);

    const listed = await email.domain.get({ size: 20 });
    expect(listed.data.results.map((d: { domainName: string }) => d.domainName)).toContain(domain);
    expect(listed.data.paging).toMatchObject({ page: 0, size: 20 });

    expect((await email.domain.delete(domain)).status).toBe(204);
    const gone = await email.domain.get(domain);
    expect(gone.response.status).toBe(404);
    expect(gone.response.data.requestError.serviceException.messageId).toBe("NOT_FOUND");
  });
});

describe("reports to notifyUrl", () => {
  it("posts the delivery report in Infobip's {results: [...]} shape, signed, with callbackData, once per message", async () => {
    const posts: { body: any; signature: string; url: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        posts.push({ body: JSON.parse(body), signature: String(req.headers["x-posthaste-signature"] ?? ""), url: req.url ?? "" });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()));
    const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/dlr`;
    try {
      const sent = await post("/email/3/send", [
        ["from", sender],
        ["to", "frank@example.org"],
        ["subject", "Report me"],
        ["text", "Body"],
        ["notifyUrl", notifyUrl],
        ["notifyContentType", "application/json"],
        ["callbackData", "order-42"],
      ]);
      expect(sent.status).toBe(200);
      const { messageId } = sent.json.messages[0];
      const report = await eventually(async () => posts.find((p) => p.body.results?.[0]?.messageId === messageId), 30_000, "the report");
      expect(report.signature).not.toBe("");
      expect(report.body.results).toHaveLength(1);
      expect(report.body.results[0]).toMatchObject({
        bulkId: sent.json.bulkId,
        messageId,
        to: "frank@example.org",
        messageCount: 1,
        callbackData: "order-42",
        status: { groupId: 3, groupName: "DELIVERED", id: 5, name: "DELIVERED_TO_HANDSET" },
        error: { groupId: 0, groupName: "OK", id: 0, name: "NO_ERROR", permanent: false },
        channel: "EMAIL",
      });
      expect(Date.parse(report.body.results[0].doneAt)).toBeGreaterThanOrEqual(Date.parse(report.body.results[0].sentAt));
      // No report for the intermediate SENT without intermediateReport=true.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(posts.filter((p) => p.body.results.some((r: { messageId: string }) => r.messageId === messageId))).toHaveLength(1);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe("reports, logs and bulks", () => {
  it("reads a delivery report once, and the logs filtered by generalStatus any number of times", async () => {
    const email = sdk().channels.email;
    const sent = await email.send({
      from: sender,
      to: ["gina@example.org", "hank@example.org"],
      subject: "Logged",
      text: "Body",
    });
    expect(sent.status).toBe(200);
    const [gina] = sent.data.messages;

    const report = await eventually(
      async () => {
        const got = await email.report.get({ messageId: gina.messageId });
        return got.data.results.length ? got.data.results[0] : undefined;
      },
      30_000,
      "the delivery report",
    );
    expect(report).toMatchObject({
      bulkId: sent.data.bulkId,
      messageId: gina.messageId,
      to: "gina@example.org",
      messageCount: 1,
      status: { groupName: "DELIVERED", name: "DELIVERED_TO_HANDSET" },
      error: { name: "NO_ERROR" },
    });
    // Once only.
    expect((await email.report.get({ messageId: gina.messageId })).data.results).toEqual([]);

    for (let i = 0; i < 2; i++) {
      const delivered = await email.log.get({ generalStatus: "DELIVERED", bulkId: sent.data.bulkId });
      expect(delivered.status).toBe(200);
      const entry = delivered.data.results.find((r: { messageId: string }) => r.messageId === gina.messageId);
      expect(entry).toMatchObject({ from: sender, to: "gina@example.org", text: "Logged", status: { groupId: 3 }, channel: "EMAIL" });
      expect(delivered.data.results.every((r: { status: { groupName: string } }) => r.status.groupName === "DELIVERED")).toBe(true);
    }
    const pending = await email.log.get({ generalStatus: "PENDING", messageId: gina.messageId });
    expect(pending.data.results).toEqual([]);
    const wrong = await email.log.get({ generalStatus: "LOST" });
    expect(wrong.response.status).toBe(400);
    expect(wrong.response.data.requestError.serviceException.validationErrors).toHaveProperty("generalStatus");
  });

  it("schedules a bulk with sendAt, shows it, reschedules and cancels it", async () => {
    const email = sdk().channels.email;
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const sent = await email.send({
      from: sender,
      to: ["hal@example.org", "ivy@example.org"],
      subject: "Later",
      text: "Body",
      sendAt: inAnHour,
    });
    expect(sent.status).toBe(200);
    const { bulkId, messages } = sent.data;
    expect(messages.map((m: { status: { groupName: string } }) => m.status.groupName)).toEqual(["PENDING", "PENDING"]);

    const shown = await email.get(bulkId);
    expect(shown.data).toEqual({ externalBulkId: bulkId, bulks: [{ bulkId, sendAt: inAnHour }] });
    expect((await email.status.get(bulkId)).data.bulks[0].status).toBe("PENDING");

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const moved = await email.reschedule(bulkId, tomorrow);
    expect(moved.status).toBe(200);
    expect(moved.data).toEqual({ bulkId, sendAt: tomorrow });
    expect((await email.get(bulkId)).data.bulks[0].sendAt).toBe(tomorrow);

    const paused = await email.status.update(bulkId, "PAUSED");
    expect(paused.response.status).toBe(400);

    const cancelled = await email.status.update(bulkId, "CANCELED");
    expect(cancelled.data).toEqual({ bulkId, status: "CANCELED" });
    const logs = await email.log.get({ bulkId });
    expect(logs.data.results.map((r: { status: { name: string } }) => r.status.name)).toEqual(["REJECTED_CANCELLED", "REJECTED_CANCELLED"]);

    const tooLate = await post("/email/3/send", [
      ["from", sender],
      ["to", "x@example.org"],
      ["subject", "s"],
      ["text", "t"],
      ["sendAt", new Date(Date.now() + 40 * 86_400_000).toISOString()],
    ]);
    expect(tooLate.status).toBe(400);
    expect(Object.keys(tooLate.json.requestError.serviceException.validationErrors)).toEqual(["sendAt"]);
    const unknownBulk = await email.get("0000000000000000000000000");
    expect(unknownBulk.response.status).toBe(404);
  });
});
