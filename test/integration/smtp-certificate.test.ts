// The SMTP door's certificate renewed while it runs: the watcher reads the secret again, the
// servers take the new certificate for new sessions (on 465 and after STARTTLS on 587), and a
// session opened before the change goes on and delivers its message. The secret is read through
// a function standing for Secrets Manager (no stand-in for it runs locally).
import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import nodemailer from "nodemailer";
import selfsigned from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daysToExpiry, tlsPairOf, watchCertificate, type TlsPair } from "../../shared/smtp/certificate.ts";
import { startSmtpIngest, type SmtpIngest } from "../../shared/smtp/server.ts";
import { smtpSettings } from "../../shared/smtp/settings.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

async function certificate(days: number): Promise<TlsPair> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + days * 86_400_000);
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] }],
  });
  return { cert: pems.cert, key: pems.private };
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** The certificate a new implicit-TLS session on `port` is shown. */
function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false }, () => {
      const seen = socket.getPeerX509Certificate()!.fingerprint256;
      socket.end();
      resolve(seen);
    });
    socket.on("error", reject);
  });
}

let env: TestEnv;
let ingest: SmtpIngest;
let oldPair: TlsPair;
let newPair: TlsPair;
let login: { user: string; pass: string };
let secretText: string;

beforeAll(async () => {
  env = await makeTestEnv();
  [oldPair, newPair] = await Promise.all([certificate(10), certificate(90)]);
  secretText = JSON.stringify(oldPair);
  const owner = await makeAccount(env.deps);
  login = { user: owner.account.accountId, pass: owner.apiKey };
  ingest = await startSmtpIngest({
    deps: env.deps,
    settings: { ...smtpSettings(env.config), hostname: "localhost", closeTimeoutMs: 2_000 },
    tls: oldPair,
    host: "127.0.0.1",
    starttlsPort: 0,
    tlsPort: 0,
  });
}, 60_000);
afterAll(async () => {
  await ingest?.close();
});

describe("renewing the SMTP certificate", () => {
  it("serves the new certificate to new sessions, and an open session still delivers", async () => {
    const watcher = watchCertificate({
      initial: oldPair,
      read: async () => tlsPairOf(secretText, "smtp-tls"),
      apply: (pair) => ingest.updateTls(pair),
      intervalMs: 3_600_000,
    });
    try {
      expect(await presented(ingest.tlsPort)).toBe(fingerprint(oldPair.cert));
      // A pooled client keeps its connection open across the renewal.
      const client = nodemailer.createTransport({
        host: "127.0.0.1",
        port: ingest.tlsPort,
        secure: true,
        pool: true,
        maxConnections: 1,
        auth: login,
        tls: { ca: oldPair.cert, servername: "localhost" },
      });
      const mail = { from: "sender@example.com", to: "reader@example.org", subject: "Hello", text: "Hi" };
      expect((await client.sendMail(mail)).response).toMatch(/^250/);
      const sessionsBefore = ingest.sessions();

      secretText = JSON.stringify(newPair);
      expect(await watcher.check()).toBe(true);

      expect(await presented(ingest.tlsPort)).toBe(fingerprint(newPair.cert));
      // The same connection, opened under the old certificate, sends again.
      expect(ingest.sessions()).toBeGreaterThanOrEqual(sessionsBefore);
      expect((await client.sendMail(mail)).response).toMatch(/^250/);
      client.close();

      // STARTTLS on 587 upgrades with the new certificate too: a client trusting only it gets through.
      const starttls = nodemailer.createTransport({
        host: "127.0.0.1",
        port: ingest.starttlsPort,
        secure: false,
        requireTLS: true,
        auth: login,
        tls: { ca: newPair.cert, servername: "localhost" },
      });
      expect((await starttls.sendMail(mail)).response).toMatch(/^250/);
    } finally {
      watcher.stop();
    }
  });

  it("keeps the certificate in use when the secret is unreadable or not a certificate", async () => {
    const applied: TlsPair[] = [];
    const watcher = watchCertificate({
      initial: newPair,
      read: async () => tlsPairOf('{"cert":"x"}', "smtp-tls"),
      apply: (p) => applied.push(p),
      intervalMs: 3_600_000,
    });
    expect(await watcher.check()).toBe(false);
    watcher.stop();
    expect(applied).toEqual([]);
    expect(() => tlsPairOf("not json", "smtp-tls")).toThrow(/smtp-tls is not JSON/);
  });

  it("counts the days left before the certificate expires", () => {
    expect(daysToExpiry(oldPair.cert)).toBe(9);
    expect(daysToExpiry(newPair.cert)).toBe(89);
  });
});
