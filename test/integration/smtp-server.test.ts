// The SMTP door against the real stand-ins: real sessions (nodemailer and a raw socket) on
// port 0, every 554 text of docs/smtp.md, TLS and AUTH rules, the per-account cap, bad clients and a
// graceful shutdown.
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import nodemailer from "nodemailer";
import selfsigned from "selfsigned";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localTlsCertificate, type LocalTls } from "../../local/smtp-tls.ts";
import { startSmtpIngest, type SmtpIngest } from "../../shared/smtp/server.ts";
import { smtpSettings, type SmtpSettings } from "../../shared/smtp/settings.ts";
import { keys } from "../../shared/store/keys.ts";
import { makeMessageLogStore } from "../../shared/store/message-log.ts";
import { makeUnitsOfWork } from "../../shared/store/unit-of-work.ts";
import { makeAccount, makeTestEnv, type TestEnv, sharedClients, testDeps } from "../support/integration.ts";
import { RawSession } from "../support/raw-smtp.ts";

let env: TestEnv;
let certDir: string;
let cert: LocalTls;
let ingest: SmtpIngest;
let owner: Awaited<ReturnType<typeof makeAccount>>;
const SIZE_LIMIT = 256 * 1024;

async function startIngest(overrides: Partial<SmtpSettings> = {}, deps = env.deps) {
  return startSmtpIngest({
    deps,
    // Failed logins answered after 20 ms instead of half a second, so the tests of wrong keys stay quick.
    settings: {
      ...smtpSettings({ ...env.config, limits: { ...env.config.limits, messageBytes: SIZE_LIMIT } }),
      hostname: "localhost",
      closeTimeoutMs: 5_000,
      authFailureDelayMs: 20,
      ...overrides,
    },
    tls: cert,
    host: "127.0.0.1",
    starttlsPort: 0,
    tlsPort: 0,
  });
}

/** "TLSv1.2 <cipher>" when a TLS 1.2 client offering only `cipher` gets a session, else "failed: <why>". */
function tls12Handshake(port: number, ca: string, cipher: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      port,
      host: "127.0.0.1",
      ca,
      servername: "localhost",
      minVersion: "TLSv1.2",
      maxVersion: "TLSv1.2",
      ciphers: cipher,
    });
    socket.once("secureConnect", () => {
      resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
      socket.destroy();
    });
    socket.once("error", (error) => resolve(`failed: ${error.message}`));
  });
}

const login = (account = owner) => ({ user: account.account.accountId, pass: account.apiKey });

function transport(options: { port?: number; secure?: boolean; auth?: { user: string; pass: string } } = {}) {
  const secure = options.secure ?? false;
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port: options.port ?? (secure ? ingest.tlsPort : ingest.starttlsPort),
    secure,
    requireTLS: !secure,
    tls: { ca: cert.cert, servername: "localhost" },
    auth: options.auth ?? login(),
  });
}

/** The text a nodemailer send failed with, e.g. "554 Transaction failed: ...". */
async function refusal(send: Promise<unknown>): Promise<string> {
  const error = await send.then(
    () => undefined,
    (e: { response?: string; message: string }) => e,
  );
  if (!error) throw new Error("expected the server to refuse");
  return error.response ?? error.message;
}

/** A session that is logged in and inside a transaction for `to`. */
async function openTransaction(to = "ivan@mail.test", account = owner) {
  const session = await RawSession.open(ingest.starttlsPort);
  await session.command("EHLO client.test");
  await session.startTls(cert.cert);
  await session.command("EHLO client.test");
  expect(await session.login(login(account).user, login(account).pass)).toMatch(/^235/);
  expect(await session.command("MAIL FROM:<news@shop.example>")).toMatch(/^250/);
  expect(await session.command(`RCPT TO:<${to}>`)).toMatch(/^250/);
  expect(await session.command("DATA")).toMatch(/^354/);
  return session;
}

const rawMessage = (to = "ivan@mail.test", body = "Hello") => `From: news@shop.example\r\nTo: ${to}\r\nSubject: Raw\r\n\r\n${body}\r\n`;

/** Bodies stored for the account: small ones in DynamoDB, large ones in S3 (shared/files/bodies.ts). */
async function bodiesOf(accountId: string): Promise<number> {
  const listed = await env.deps.clients.s3.send(
    new ListObjectsV2Command({ Bucket: env.config.bucketName, Prefix: `bodies/${accountId}/` }),
  );
  const scanned = await env.deps.clients.ddb.send(
    new ScanCommand({
      TableName: env.config.tableName,
      FilterExpression: "begins_with(pk, :prefix)",
      ExpressionAttributeValues: { ":prefix": `BODY#${accountId}/` },
    }),
  );
  return (listed.KeyCount ?? 0) + (scanned.Count ?? 0);
}

/** Every message the account's log index holds, whatever its age. */
async function messagesOf(accountId: string): Promise<number> {
  const reader = makeMessageLogStore(env.deps.clients.ddb, env.config.tableName).reader(
    accountId,
    { from: "", below: "~" },
    { perShard: 100, maxKeys: 100_000 },
  );
  let count = 0;
  for (let keys = await reader.next(1000); keys.length; keys = await reader.next(1000)) count += keys.length;
  return count;
}

beforeAll(async () => {
  env = await makeTestEnv();
  certDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-smtp-tls-"));
  cert = await localTlsCertificate(certDir);
  owner = await makeAccount(env.deps, "shop.example");
  ingest = await startIngest({ sessionsPerAccount: 3 });
});

afterAll(async () => {
  await ingest?.close();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe("accepting mail", () => {
  it("answers a message over STARTTLS with the id of its recorded copy", async () => {
    const info = await transport().sendMail({ from: "news@shop.example", to: "ivan@mail.test", subject: "Receipt", text: "Thanks" });

    const [, messageId] = /^250 Ok: queued as (\S+)$/.exec(info.response) ?? [];
    const message = await env.deps.messages.getMessage(messageId);
    expect(message).toMatchObject({
      status: "ACCEPTED",
      to: { address: "ivan@mail.test" },
      from: { address: "news@shop.example" },
      subject: "Receipt",
    });
  });

  it("records every message of many concurrent sessions, their writes grouped into fewer calls (group commit)", async () => {
    // The Fargate container's deps (functions/smtp-ingest/main.ts), on a client that counts its calls.
    const dynamo = new DynamoDBClient({
      region: "us-east-1",
      endpoint: env.env.DYNAMODB_ENDPOINT,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    const batchWrites = { count: 0 };
    dynamo.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === "BatchWriteItemCommand") batchWrites.count++;
      return next(args);
    });
    const clients = {
      ...env.deps.clients,
      dynamo,
      ddb: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    };
    const grouped = await startIngest({}, testDeps({ config: env.config, clients: sharedClients(clients), listeners: [], coalesce: true }));
    const busy = await makeAccount(env.deps, "shop.example");
    try {
      const pool = nodemailer.createTransport({
        host: "127.0.0.1",
        port: grouped.starttlsPort,
        requireTLS: true,
        tls: { ca: cert.cert, servername: "localhost" },
        auth: login(busy),
        pool: true,
        maxConnections: 10,
      });
      const infos = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          pool.sendMail({ from: "news@shop.example", to: `reader${i}@mail.test`, subject: `Order ${i}`, text: `Receipt ${i}` }),
        ),
      );
      pool.close();

      const ids = infos.map((info) => /^250 Ok: queued as (\S+)$/.exec(info.response)![1]);
      const recorded = await Promise.all(ids.map((id) => env.deps.messages.getMessage(id)));
      expect(recorded.map((m) => [m?.to.address, m?.subject, m?.status])).toEqual(
        ids.map((_, i) => [`reader${i}@mail.test`, `Order ${i}`, "ACCEPTED"]),
      );
      const bodies = await Promise.all(recorded.map((m) => env.deps.bodies.get(m!.bodyKey)));
      expect(bodies.map((b) => b.text?.trim())).toEqual(ids.map((_, i) => `Receipt ${i}`));
      expect(batchWrites.count).toBeLessThan(40);
    } finally {
      await grouped.close();
    }
  });

  it("accepts over implicit TLS too", async () => {
    const info = await transport({ secure: true }).sendMail({
      from: "news@shop.example",
      to: "ivan@mail.test",
      subject: "TLS",
      text: "Hi",
    });
    expect(info.response).toMatch(/^250 Ok: queued as \S+$/);
  });

  it("records one message per recipient, each with only its own address", async () => {
    const info = await transport().sendMail({
      from: "news@shop.example",
      to: "a@mail.test",
      cc: "b@mail.test",
      bcc: "c@shop.example",
      subject: "Three",
      text: "Hi",
    });
    expect(info.accepted).toEqual(["a@mail.test", "b@mail.test", "c@shop.example"]);

    const first = await env.deps.messages.getMessage(/queued as (\S+)/.exec(info.response)![1]);
    const body = await env.deps.bodies.get(first!.bodyKey);
    expect(first!.to.address).toBe("a@mail.test");
    expect(body.headers).toEqual({});
  });

  it("rejects a suppressed recipient and still answers with its recorded id", async () => {
    await env.deps.suppressions.add(owner.account.accountId, { address: "gone@mail.test", cause: "unsubscribed" });

    const info = await transport().sendMail({ from: "news@shop.example", to: "gone@mail.test", subject: "Hi", text: "Hi" });

    const message = await env.deps.messages.getMessage(/queued as (\S+)/.exec(info.response)![1]);
    expect(message).toMatchObject({ status: "REJECTED", lastError: "rejected_unsubscribed" });
  });
});

describe("the account's defaults on the SMTP door", () => {
  it("relays strict when the account says so, unless the message says otherwise; forces the unsubscribe skip", async () => {
    const account = await makeAccount(env.deps, "shop.example");
    // Set before the account's first session, so no cache holds the old settings.
    await env.deps.accounts.updateSettings(account.account.accountId, { smtpStrict: true, forceSkipUnsubscribe: true });
    const send = (headers: Record<string, string> = {}) =>
      transport({ auth: login(account) }).sendMail({ from: "news@shop.example", to: "a@mail.test", subject: "Hi", text: "Hi", headers });

    const strict = await env.deps.messages.getMessage(/queued as (\S+)/.exec((await send()).response)![1]);
    expect(strict?.options).toMatchObject({ strict: true, skipUnsubscribe: true });
    const loose = await env.deps.messages.getMessage(
      /queued as (\S+)/.exec((await send({ "X-Posthaste": '{"strict": false}' })).response)![1],
    );
    expect(loose?.options.strict).toBeUndefined();
    expect(loose?.options.skipUnsubscribe).toBe(true);
  });
});

describe("the 554 texts of docs/smtp.md, from real sessions", () => {
  it("Must authenticate before sending mail: MAIL FROM without AUTH", async () => {
    const session = await RawSession.open(ingest.starttlsPort);
    await session.command("EHLO client.test");
    await session.startTls(cert.cert);
    await session.command("EHLO client.test");

    expect(await session.command("MAIL FROM:<news@shop.example>")).toBe("554 Transaction failed: Must authenticate before sending mail");
    session.destroy();
  });

  it("Disallowed source address: MAIL FROM off the verified domains", async () => {
    const reply = await refusal(transport().sendMail({ from: "ceo@bank.test", to: "a@mail.test", text: "x" }));
    expect(reply).toBe("554 Transaction failed: Disallowed source address: ceo@bank.test");
  });

  it("Disallowed source address: a From header off the verified domains", async () => {
    const reply = await refusal(
      transport().sendMail({
        envelope: { from: "news@shop.example", to: "a@mail.test" },
        from: "ceo@bank.test",
        to: "a@mail.test",
        text: "x",
      }),
    );
    expect(reply).toBe("554 Transaction failed: Disallowed source address: ceo@bank.test");
  });

  it("Invalid recipient address: an RCPT TO that is not in To or CC", async () => {
    const reply = await refusal(
      transport().sendMail({
        envelope: { from: "news@shop.example", to: ["a@mail.test", "x@other.test"] },
        from: "news@shop.example",
        to: "a@mail.test",
        text: "x",
      }),
    );
    expect(reply).toBe("554 Transaction failed: Invalid recipient address: x@other.test");
  });

  it("Invalid recipient address: a malformed RCPT TO", async () => {
    const session = await openTransaction();
    session.write(`${rawMessage()}.\r\n`);
    expect(await session.reply()).toMatch(/^250/);
    expect(await session.command("MAIL FROM:<news@shop.example>")).toMatch(/^250/);
    expect(await session.command("RCPT TO:<two..dots@mail.test>")).toBe(
      "554 Transaction failed: Invalid recipient address: two..dots@mail.test",
    );
    session.destroy();
  });

  it("Not allowed attachment type: an executable", async () => {
    const reply = await refusal(
      transport().sendMail({
        from: "news@shop.example",
        to: "a@mail.test",
        text: "x",
        attachments: [{ filename: "setup.exe", content: Buffer.from("MZ") }],
      }),
    );
    expect(reply).toBe("554 Transaction failed: Not allowed attachment type exe");
  });

  it("Too many attachments: over the account's LIMIT_ATTACHMENTS_PER_MESSAGE, as the HTTP door counts them", async () => {
    const capped = await startIngest({ attachmentsPerMessage: 2 });
    try {
      const files = (n: number) => Array.from({ length: n }, (_, i) => ({ filename: `page${i}.txt`, content: Buffer.from(`page ${i}`) }));
      const send = (n: number) =>
        transport({ port: capped.starttlsPort }).sendMail({
          from: "news@shop.example",
          to: "a@mail.test",
          text: "x",
          attachments: files(n),
        });
      expect((await send(2)).response).toMatch(/^250 /);
      expect(await refusal(send(3))).toBe("554 Transaction failed: Too many attachments (at most 2)");
    } finally {
      await capped.close();
    }
  });

  it("Message exceeds fixed size limit: DATA over the limit, and a declared SIZE over it", async () => {
    const session = await openTransaction();
    session.write(
      `${`${rawMessage("ivan@mail.test", `${"x".repeat(998)}\r\n`)}${"y".repeat(998)}\r\n`.repeat(Math.ceil(SIZE_LIMIT / 2000) + 1)}.\r\n`,
    );
    expect(await session.reply()).toBe("554 Transaction failed: Message exceeds fixed size limit");

    expect(await session.command(`MAIL FROM:<news@shop.example> SIZE=${SIZE_LIMIT + 1}`)).toBe(
      "554 Transaction failed: Message exceeds fixed size limit",
    );
    session.destroy();
  });

  it.each([
    // A large body goes to S3 before any message is written: a missing bucket fails it first.
    [
      "S3",
      () =>
        testDeps({
          config: { ...env.config, bucketName: "posthaste-no-such-bucket", limits: { ...env.config.limits, inlineBodyBytes: 0 } },
          clients: sharedClients(env.deps.clients),
          listeners: [],
        }),
    ],
    // A small body is written with the messages: a missing table fails both at once.
    [
      "DynamoDB",
      () => ({ ...env.deps, unitsOfWork: makeUnitsOfWork({ ddb: env.deps.clients.ddb, tableName: "posthaste-no-such-table" }) }),
    ],
  ])("Internal server error: %s failing, with nothing recorded", async (_storage, brokenDeps) => {
    const failing = await startIngest({}, brokenDeps());
    const unlucky = await makeAccount(env.deps, "shop.example");
    try {
      const reply = await refusal(
        transport({ port: failing.starttlsPort, auth: login(unlucky) }).sendMail({
          from: "news@shop.example",
          to: "a@mail.test",
          subject: "Lost?",
          text: "x",
        }),
      );
      expect(reply).toBe("554 Transaction failed: Internal server error");
      expect(await messagesOf(unlucky.account.accountId)).toBe(0);
      expect(await bodiesOf(unlucky.account.accountId)).toBe(0);
    } finally {
      await failing.close();
    }
  });

  it("and a precise text for rules the reference does not word", async () => {
    const reply = await refusal(
      transport().sendMail({ from: "news@shop.example", to: "a@mail.test", html: "<html><p>no body</p></html>" }),
    );
    expect(reply).toBe("554 Transaction failed: HTML with an <html> tag must have a <body> tag");
  });
});

describe("TLS and login", () => {
  it("advertises STARTTLS and SIZE, and AUTH PLAIN LOGIN only once the session is encrypted", async () => {
    const session = await RawSession.open(ingest.starttlsPort);
    const plain = await session.command("EHLO client.test");
    expect(plain).toContain("STARTTLS");
    expect(plain).toContain(`SIZE ${SIZE_LIMIT}`);
    expect(plain).not.toContain("AUTH");

    await session.startTls(cert.cert);
    const encrypted = await session.command("EHLO client.test");
    expect(encrypted).toContain("AUTH PLAIN LOGIN");
    expect(encrypted).not.toContain("STARTTLS");
    session.destroy();

    const implicit = await RawSession.open(ingest.tlsPort, { implicitTls: true, ca: cert.cert });
    expect(await implicit.command("EHLO client.test")).toContain("AUTH PLAIN LOGIN");
    implicit.destroy();
  });

  it("a client with TLS off never sends its key: it sees no AUTH and is refused at MAIL FROM", async () => {
    const sent: string[] = []; // what the client wrote, from its debug log
    const capture = (meta: { tnx?: string }, message: unknown) => void (meta?.tnx === "client" && sent.push(String(message)));
    const logger = { level: () => undefined, trace: capture, debug: capture, info: capture, warn: capture, error: capture, fatal: capture };
    const cleartext = nodemailer.createTransport({
      host: "127.0.0.1",
      port: ingest.starttlsPort,
      ignoreTLS: true,
      auth: login(),
      logger,
      debug: true,
    });

    const reply = await refusal(cleartext.sendMail({ from: "news@shop.example", to: "a@mail.test", text: "x" }));

    expect(reply).toBe("554 Transaction failed: Must authenticate before sending mail");
    expect(sent).toContain("MAIL FROM:<news@shop.example>");
    expect(sent.filter((line) => /^AUTH/i.test(line))).toEqual([]);
  });

  it("answers a wrong key 535 5.7.8", async () => {
    const reply = await refusal(
      transport({ auth: { user: owner.account.accountId, pass: "ph_wrong" } }).sendMail({
        from: "news@shop.example",
        to: "a@mail.test",
        text: "x",
      }),
    );
    expect(reply).toBe("535 5.7.8 Authentication credentials invalid");
  });

  it("refuses AUTH before STARTTLS", async () => {
    const session = await RawSession.open(ingest.starttlsPort);
    await session.command("EHLO client.test");

    expect(await session.login(owner.account.accountId, owner.apiKey)).toBe("538 Error: Must issue a STARTTLS command first");
    session.destroy();
  });

  it("offers TLS 1.2 clients only ECDHE key exchange with AEAD ciphers", async () => {
    for (const cipher of ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384"]) {
      expect(await tls12Handshake(ingest.tlsPort, cert.cert, cipher), cipher).toMatch(/^failed: .*(no shared cipher|handshake failure)/i);
    }
    for (const cipher of ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]) {
      expect(await tls12Handshake(ingest.tlsPort, cert.cert, cipher)).toBe(`TLSv1.2 ${cipher}`);
    }
  });

  it("with an RSA certificate too: no RSA key exchange, no DHE, no CBC", async () => {
    const rsa = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
      keySize: 2048,
      algorithm: "sha256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] }],
    });
    const rsaIngest = await startSmtpIngest({
      deps: env.deps,
      settings: { ...smtpSettings(env.config), hostname: "localhost" },
      tls: { key: rsa.private, cert: rsa.cert },
      host: "127.0.0.1",
      starttlsPort: 0,
      tlsPort: 0,
    });
    try {
      for (const cipher of [
        "AES256-GCM-SHA384",
        "AES128-GCM-SHA256",
        "AES128-SHA",
        "DHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-RSA-AES256-SHA384",
      ]) {
        expect(await tls12Handshake(rsaIngest.tlsPort, rsa.cert, cipher), cipher).toMatch(
          /^failed: .*(no shared cipher|handshake failure)/i,
        );
      }
      for (const cipher of ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"]) {
        expect(await tls12Handshake(rsaIngest.tlsPort, rsa.cert, cipher)).toBe(`TLSv1.2 ${cipher}`);
      }
    } finally {
      await rsaIngest.close();
    }
  });

  it("refuses a TLS 1.1 client", async () => {
    const socket = tls.connect({
      port: ingest.tlsPort,
      host: "127.0.0.1",
      ca: cert.cert,
      servername: "localhost",
      minVersion: "TLSv1",
      maxVersion: "TLSv1.1",
      ciphers: "DEFAULT@SECLEVEL=0",
    });
    const error = await new Promise<Error>((resolve) =>
      socket.once("error", resolve).once("secureConnect", () => resolve(new Error("connected"))),
    );
    socket.destroy();
    expect(error.message).toMatch(/protocol version|no protocols available|unsupported protocol/i);
  });

  it("refuses a login from outside the account's IP allowlist", async () => {
    const pinned = await makeAccount(env.deps, "shop.example");
    await env.deps.clients.ddb.send(
      new UpdateCommand({
        TableName: env.config.tableName,
        Key: keys.account(pinned.account.accountId),
        UpdateExpression: "SET ipAllowlist = :list",
        ExpressionAttributeValues: { ":list": ["198.51.100.0/24"] },
      }),
    );
    const reply = await refusal(transport({ auth: login(pinned) }).sendMail({ from: "news@shop.example", to: "a@mail.test", text: "x" }));
    expect(reply).toBe("554 Transaction failed: Client address 127.0.0.1 is not allowed for this account");
  });

  it("holds an account to its connection limit and frees a place when a session ends", async () => {
    const busy = await makeAccount(env.deps, "shop.example");
    const open = async () => {
      const session = await RawSession.open(ingest.tlsPort, { implicitTls: true, ca: cert.cert });
      await session.command("EHLO client.test");
      return session;
    };
    const sessions = [await open(), await open(), await open()];
    for (const session of sessions) expect(await session.login(busy.account.accountId, busy.apiKey)).toMatch(/^235/);
    const fourth = await open();

    expect(await fourth.login(busy.account.accountId, busy.apiKey)).toBe(
      "454 Too many connections for this account (at most 3), try again later",
    );
    const other = await open();
    expect(await other.login(owner.account.accountId, owner.apiKey)).toMatch(/^235/); // other accounts are not affected

    await sessions[0].command("QUIT");
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server sees the close
    expect(await fourth.login(busy.account.accountId, busy.apiKey)).toMatch(/^235/);
    for (const session of [...sessions, fourth, other]) session.destroy();
  });
});

describe("guessing keys and hoarding connections", () => {
  /** An encrypted session that has said EHLO, ready for AUTH. */
  const encrypted = async (port: number, localAddress?: string) => {
    const session = await RawSession.open(port, { implicitTls: true, ca: cert.cert, localAddress });
    await session.command("EHLO client.test");
    return session;
  };
  const wrongKey = (session: RawSession) => session.login(owner.account.accountId, "ph_wrong");

  it("answers each failed login on a connection later than the one before, and hangs up at the third", async () => {
    const slow = await startIngest({ authFailureDelayMs: 100 });
    try {
      const session = await encrypted(slow.tlsPort);
      const timed = async () => {
        const started = performance.now();
        const reply = await wrongKey(session);
        return { reply, ms: performance.now() - started };
      };
      const first = await timed();
      const second = await timed();
      const third = await timed();

      expect([first.reply, second.reply]).toEqual([
        "535 5.7.8 Authentication credentials invalid",
        "535 5.7.8 Authentication credentials invalid",
      ]);
      expect(third.reply).toBe("421 4.7.0 Too many failed login attempts");
      expect(await session.reply()).toBe(""); // hung up
      // Lower bounds only: 100 ms, then 200 ms, then 400 ms at least.
      expect(first.ms).toBeGreaterThanOrEqual(95);
      expect(second.ms).toBeGreaterThanOrEqual(195);
      expect(third.ms).toBeGreaterThanOrEqual(395);
    } finally {
      await slow.close();
    }
  });

  it("refuses every login from an address at once after too many failures across connections, other addresses unaffected", async () => {
    const guarded = await startIngest({ authFailuresPerConnection: 2, authFailuresPerAddress: 3 });
    try {
      const first = await encrypted(guarded.tlsPort);
      expect(await wrongKey(first)).toBe("535 5.7.8 Authentication credentials invalid");
      expect(await wrongKey(first)).toBe("421 4.7.0 Too many failed login attempts");
      const second = await encrypted(guarded.tlsPort);
      expect(await wrongKey(second)).toBe("535 5.7.8 Authentication credentials invalid");

      // The right key no longer helps from this address, on this connection or a new one.
      expect(await second.login(owner.account.accountId, owner.apiKey)).toBe(
        "421 4.7.0 Too many failed login attempts from your address, try again later",
      );
      expect(await second.reply()).toBe("");
      const third = await encrypted(guarded.tlsPort);
      expect(await third.login(owner.account.accountId, owner.apiKey)).toBe(
        "421 4.7.0 Too many failed login attempts from your address, try again later",
      );

      const elsewhere = await encrypted(guarded.tlsPort, "127.0.0.2");
      expect(await elsewhere.login(owner.account.accountId, owner.apiKey)).toMatch(/^235/);
      for (const session of [first, second, third, elsewhere]) session.destroy();
    } finally {
      await guarded.close();
    }
  });

  it("caps the connections an address holds before logging in, with 421 at connect", async () => {
    const capped = await startIngest({ unauthenticatedPerAddress: 2 });
    try {
      const waiting = [await RawSession.open(capped.starttlsPort), await encrypted(capped.tlsPort)];
      const over = await RawSession.open(capped.starttlsPort);
      expect(over.greeting).toBe("421 4.7.0 Too many connections from your address, try again later");
      expect(await over.reply()).toBe("");
      const overTls = await RawSession.open(capped.tlsPort, { implicitTls: true, ca: cert.cert });
      expect(overTls.greeting).toBe("421 4.7.0 Too many connections from your address, try again later");

      const elsewhere = await RawSession.open(capped.starttlsPort, { localAddress: "127.0.0.2" });
      expect(elsewhere.greeting).toMatch(/^220 /);

      // A session that logs in no longer counts, and one that leaves frees its place.
      expect(await waiting[1].login(owner.account.accountId, owner.apiKey)).toMatch(/^235/);
      const next = await RawSession.open(capped.starttlsPort);
      expect(next.greeting).toMatch(/^220 /);
      expect((await RawSession.open(capped.starttlsPort)).greeting).toMatch(/^421 /);
      waiting[0].destroy();
      await new Promise((resolve) => setTimeout(resolve, 100)); // the server sees the close
      const last = await RawSession.open(capped.starttlsPort);
      expect(last.greeting).toMatch(/^220 /);
      for (const session of [...waiting, elsewhere, next, last]) session.destroy();
    } finally {
      await capped.close();
    }
  });
});

describe("bad clients", () => {
  it("survives garbage, over-long lines and a drop in the middle of DATA, storing nothing of them", async () => {
    const garbled = await makeAccount(env.deps, "shop.example");
    const garbage = await RawSession.open(ingest.starttlsPort);
    garbage.write("\u0000\u00ff\u00fe binary junk\r\nHELLO?\r\n");
    expect(await garbage.reply()).toMatch(/^5\d\d/);
    garbage.write(`EHLO ${"a".repeat(100_000)}\r\n`);
    await garbage.reply(); // an error or a hang-up, either is fine
    garbage.destroy();

    const dropped = await openTransaction("ivan@mail.test", garbled);
    dropped.write(`From: news@shop.example\r\nTo: ivan@mail.test\r\nSubject: Half\r\n\r\nthe first half of the message`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    dropped.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await bodiesOf(garbled.account.accountId)).toBe(0);
    expect(await messagesOf(garbled.account.accountId)).toBe(0);
    const after = await transport({ auth: login(garbled) }).sendMail({
      from: "news@shop.example",
      to: "ivan@mail.test",
      subject: "Still fine",
      text: "x",
    });
    expect(after.response).toMatch(/^250 Ok: queued as/);
    expect(await bodiesOf(garbled.account.accountId)).toBe(1);
  });
});

describe("logs", () => {
  /** The log lines written while `run` runs, at every level. */
  async function logsOf(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
    const lines: Record<string, unknown>[] = [];
    const level = process.env.LOG_LEVEL;
    const capture = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        return true;
      });
    process.env.LOG_LEVEL = "info";
    const spies = [capture(process.stdout), capture(process.stderr)];
    try {
      await run();
    } finally {
      for (const spy of spies) spy.mockRestore();
      process.env.LOG_LEVEL = level;
    }
    return lines;
  }

  it("a client that hangs up in the middle of DATA is logged as its doing, at info, without a stack", async () => {
    const lines = await logsOf(async () => {
      const dropped = await openTransaction();
      dropped.write("From: news@shop.example\r\nTo: ivan@mail.test\r\nSubject: Half\r\n\r\nthe first half of the message");
      await new Promise((resolve) => setTimeout(resolve, 100));
      dropped.destroy();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the server sees the close
    });

    expect(lines.filter((line) => line.level !== "INFO")).toEqual([]);
    const hangUp = lines.find((line) => line.message === "smtp client hung up during DATA");
    expect(hangUp).toMatchObject({ level: "INFO", sessionId: expect.any(String) });
    expect(JSON.stringify(lines)).not.toMatch(/\\n\s+at /); // no stack anywhere
  });
});

describe("shutting down", () => {
  it("finishes a transaction in flight, closes idle sessions with 421 and takes no new connections", async () => {
    const draining = await startIngest();
    const port = draining.starttlsPort;
    const open = async () => {
      const session = await RawSession.open(port);
      await session.command("EHLO client.test");
      await session.startTls(cert.cert);
      await session.command("EHLO client.test");
      expect(await session.login(owner.account.accountId, owner.apiKey)).toMatch(/^235/);
      return session;
    };
    const inFlight = await open();
    const idle = await open();
    await inFlight.command("MAIL FROM:<news@shop.example>");
    await inFlight.command("RCPT TO:<ivan@mail.test>");
    await inFlight.command("DATA");
    inFlight.write("From: news@shop.example\r\nTo: ivan@mail.test\r\nSubject: Mid-shutdown\r\n\r\n");

    const closed = draining.close();
    expect(await idle.reply()).toBe("421 Server shutting down, try again later");
    inFlight.write("the end\r\n.\r\n");
    const answer = await inFlight.reply();
    await closed;

    expect(answer).toMatch(/^250 Ok: queued as (\S+)$/);
    const message = await env.deps.messages.getMessage(/queued as (\S+)/.exec(answer)![1]);
    expect(message?.subject).toBe("Mid-shutdown");
    const refused = await new Promise<string>((resolve) =>
      net
        .connect({ port, host: "127.0.0.1" })
        .once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? ""))
        .once("connect", () => resolve("connected")),
    );
    expect(refused).toBe("ECONNREFUSED");
  });
});
