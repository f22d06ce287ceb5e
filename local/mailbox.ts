// The embedded mailbox (docs/local.md): the local stand-in for SES and the recipients' servers.
// It keeps every message it accepts as .eml under .data/mailbox/, lists the newest over HTTP, and
// simulates outcomes by address at the simulator domain, like the SES mailbox simulator. Like a
// receiving server, it judges each message with mailauth (DKIM, SPF against the connecting
// address, DMARC alignment) through the local DNS stand-in, and writes its verdict into the
// stored message as Authentication-Results. The answers are kept while the zone is unchanged.
import { createServer, type Server } from "node:http";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Resolver } from "node:dns/promises";
import { simpleParser } from "mailparser";
import { authenticate } from "mailauth";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { newId } from "../shared/domain/ids.ts";
import { sampleSesNotification } from "./ses-samples.ts";
import { bodyStart } from "../shared/smtp/parse.ts";

export const SIMULATOR_DOMAIN = "simulator.posthaste.test";

export interface MailboxEntry {
  id: string;
  receivedAt: string;
  envelope: { from: string; to: string[] };
  subject: string;
  /** Posthaste's id of the message, from the X-Posthaste-Message-Id header. */
  messageId?: string;
  size: number;
  /** What mailauth found (absent when the mailbox has no DNS to check with). */
  authentication?: MailboxAuthentication;
}

/** The verdicts of one message, as the Authentication-Results header states them. */
export interface MailboxAuthentication {
  /** pass, fail, none, neutral, temperror, permerror ... of the first DKIM signature (none when unsigned). */
  dkim: string;
  /** The d= of each signature that passed. */
  dkimDomains: string[];
  spf: string;
  /** The envelope sender's domain SPF was checked for. */
  spfDomain?: string;
  dmarc: string;
  /** The aligned domain of each method, or false when it does not align with From. */
  alignment: { dkim: string | false; spf: string | false };
}

/** The name the mailbox gives itself in Authentication-Results. */
export const MAILBOX_AUTHSERV_ID = "mailbox.posthaste.test";

/** What the simulator answers at RCPT TO, or undefined to accept. */
export function simulatedRcptReply(address: string, deferCode = 451): { code: number; message: string } | undefined {
  const [local, domain] = [
    address.slice(0, address.lastIndexOf("@")).toLowerCase(),
    address.slice(address.lastIndexOf("@") + 1).toLowerCase(),
  ];
  if (domain !== SIMULATOR_DOMAIN) return undefined;
  const base = local.split("+")[0];
  if (base === "bounce") return { code: 550, message: "5.1.1 Recipient address rejected: user unknown (simulated bounce)" };
  if (base === "suppressionlist") return { code: 550, message: "5.1.1 Recipient is on the suppression list (simulated)" };
  if (base === "defer") return { code: deferCode, message: "4.2.0 Mailbox temporarily unavailable (simulated deferral)" };
  return undefined; // success@, complaint@, ooto@ and everything else are accepted
}

export interface Mailbox {
  smtpPort: number;
  url: string;
  list(): MailboxEntry[];
  raw(id: string): Promise<Buffer>;
  close(): Promise<void>;
}

export interface MailboxOptions {
  dir: string;
  smtpPort?: number;
  httpPort?: number;
  deferCode?: number;
  maxBytes?: number;
  /** DNS servers (`ip:port`) the verdicts are looked up with: the DNS stand-in. None: no verdicts. */
  dnsServers?: string[];
  /**
   * The version of the zone those servers answer from (local/dns-standin.ts): while it is the
   * same, their answers are too, and the mailbox reuses them instead of asking again.
   */
  dnsZoneVersion?: () => Promise<unknown>;
  /** Called after a message is stored, e.g. to simulate SES feedback for complaint@. */
  onStored?: (entry: MailboxEntry) => void;
  /** The listing's length in memory (default MAILBOX_LISTED_MAX); older messages stay on disk. */
  maxListed?: number;
}

/**
 * The listing keeps the newest this many messages in memory, so a long run does not grow the
 * stand-ins process without bound (about 0.8 KB each); every message stays on disk and is served
 * by its id (docs/local.md).
 */
export const MAILBOX_LISTED_MAX = 10_000;

/** complaint@ at the simulator domain: accepted, then the recipient complains (like the SES simulator). */
export function isSimulatedComplaint(address: string): boolean {
  const lower = address.toLowerCase();
  const at = lower.lastIndexOf("@");
  return lower.slice(at + 1) === SIMULATOR_DOMAIN && lower.slice(0, at).split("+")[0] === "complaint";
}

/** How long after delivery the simulated recipient complains; after the DELIVERED status, as with real SES. */
const COMPLAINT_DELAY_MS = 1000;

/** Publishes an SES Complaint event for mail to complaint@ to the local SES-events topic, as SES would. */
export function simulateSesFeedback(sns: SNSClient, topicArn: string) {
  return (entry: MailboxEntry) => {
    const recipient = entry.envelope.to.find(isSimulatedComplaint);
    if (!recipient || !entry.messageId) return;
    const notification = sampleSesNotification("Complaint", {
      messageId: entry.messageId,
      recipient,
      sender: entry.envelope.from || undefined,
    });
    setTimeout(() => {
      sns
        .send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(notification) }))
        .catch((error) =>
          console.error(JSON.stringify({ level: "error", message: "simulated SES complaint not published", error: String(error) })),
        );
    }, COMPLAINT_DELAY_MS).unref();
  };
}

/** A DNS lookup as mailauth makes it. */
export type DnsResolve = (name: string, type: string) => Promise<unknown>;

/** Answers that say what the zone holds (the name or the type is not there), kept like the records themselves. */
const ZONE_ANSWERS = new Set(["ENOTFOUND", "ENODATA"]);
/** Lookups kept at most: more names than a local zone holds, so the map never grows with the traffic. */
const MAX_KEPT_ANSWERS = 1000;

/**
 * The resolver's answers kept while the zone's version stays the same: a message then costs one
 * look at the version instead of a round trip per name (three to five a message), and the first
 * message after a change to the zone asks again. Failures that say nothing about the zone
 * (a timeout, a refused query) are not kept.
 */
export function keptWhileZoneUnchanged(resolve: DnsResolve, zoneVersion: () => Promise<unknown>): () => Promise<DnsResolve> {
  let version: unknown;
  const answers = new Map<string, Promise<unknown>>();
  return async () => {
    const current = await zoneVersion();
    if (current !== version || answers.size > MAX_KEPT_ANSWERS) {
      answers.clear();
      version = current;
    }
    return async (name, type) => {
      const key = `${type} ${name.toLowerCase()}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = resolve(name, type);
        answers.set(key, answer);
        answer.catch((error: { code?: string }) => {
          if (!ZONE_ANSWERS.has(error?.code ?? "") && answers.get(key) === answer) answers.delete(key);
        });
      }
      // Each caller gets its own error: mailauth notes its findings on the errors it catches.
      return answer.catch((error: Error & { code?: string }) => {
        throw Object.assign(new Error(error.message), { code: error.code, hostname: name });
      });
    };
  };
}

/** Judges a message as a receiving server would; its verdicts, and the headers to prepend. */
export async function judge(
  raw: Buffer,
  smtp: { ip: string; helo?: string; mailFrom: string },
  resolve: DnsResolve,
): Promise<{ authentication: MailboxAuthentication; headers: string }> {
  const result = await authenticate(raw, {
    ip: smtp.ip.replace(/^::ffff:/, ""),
    helo: smtp.helo,
    sender: smtp.mailFrom,
    mta: MAILBOX_AUTHSERV_ID,
    disableArc: true,
    disableBimi: true,
    resolver: resolve as (name: string, type: string) => Promise<never>,
  });
  const signatures = result.dkim.results ?? [];
  const spf = result.spf || undefined;
  const dmarc = result.dmarc || undefined;
  return {
    authentication: {
      dkim: signatures[0]?.status.result ?? "none",
      dkimDomains: signatures.filter((s) => s.status.result === "pass").map((s) => s.signingDomain),
      spf: spf?.status.result ?? "none",
      spfDomain: spf?.domain,
      dmarc: dmarc?.status.result ?? "none",
      alignment: { dkim: dmarc?.alignment?.dkim?.result ?? false, spf: dmarc?.alignment?.spf?.result ?? false },
    },
    headers: result.headers,
  };
}

export async function startMailbox(options: MailboxOptions): Promise<Mailbox> {
  await mkdir(options.dir, { recursive: true });
  let resolverNow: (() => Promise<DnsResolve>) | undefined;
  if (options.dnsServers?.length) {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers(options.dnsServers);
    const resolve: DnsResolve = (name, type) => resolver.resolve(name, type);
    resolverNow = options.dnsZoneVersion ? keptWhileZoneUnchanged(resolve, options.dnsZoneVersion) : async () => resolve;
  }
  const maxListed = options.maxListed ?? MAILBOX_LISTED_MAX;
  const loaded = await loadEntries(options.dir, maxListed);
  const entries: MailboxEntry[] = loaded.entries;
  /** Messages on disk, listed or not. */
  let stored = loaded.stored;
  const maxBytes = options.maxBytes ?? 40 * 1024 * 1024;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    disableReverseLookup: true,
    size: maxBytes,
    logger: false,
    banner: "Posthaste local mailbox",
    // The pollers stop before the mailbox, so only idle pooled connections are left to close.
    closeTimeout: 500,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const reply = simulatedRcptReply(address.address, options.deferCode);
      if (!reply) return callback();
      const error = Object.assign(new Error(reply.message), { responseCode: reply.code });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        try {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            return callback(Object.assign(new Error("Message exceeds fixed size limit"), { responseCode: 552 }));
          }
          const received = Buffer.concat(chunks);
          const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          const verdict = resolverNow
            ? await judge(received, { ip: session.remoteAddress, helo: session.hostNameAppearsAs, mailFrom }, await resolverNow())
            : undefined;
          // As a receiving server does: its verdict on top of the message it stores.
          const raw = verdict ? Buffer.concat([Buffer.from(verdict.headers), received]) : received;
          // The listing needs two headers: the header block is parsed, not the whole message.
          const parsed = await simpleParser(headerBlock(received), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
          const id = newId();
          const entry: MailboxEntry = {
            id,
            receivedAt: new Date().toISOString(),
            envelope: {
              from: mailFrom,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            subject: parsed.subject ?? "",
            messageId: parsed.headers.get("x-posthaste-message-id") as string | undefined,
            size: raw.length,
            ...(verdict ? { authentication: verdict.authentication } : {}),
          };
          // The .eml first, then its index entry: a crash in between leaves no dangling entry.
          await writeFile(path.join(options.dir, `${id}.eml`), raw);
          await writeFile(path.join(options.dir, `${id}.json`), JSON.stringify(entry));
          entries.push(entry);
          stored++;
          if (entries.length > maxListed) entries.shift();
          callback(null, `Ok: stored as ${id}`);
          options.onStored?.(entry);
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.on("error", reject);
    smtp.listen(options.smtpPort ?? 0, "127.0.0.1", () => resolve());
  });

  const raw = async (id: string) => {
    if (!/^[\w-]+$/.test(id)) throw Object.assign(new Error("bad id"), { code: "ENOENT" });
    return readFile(path.join(options.dir, `${id}.eml`));
  };

  const http: Server = createServer(async (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      res
        .writeHead(400, { "content-type": "application/json" })
        .end(JSON.stringify({ message: "The request target is not a valid URL path" }));
      return;
    }
    try {
      if (req.method === "GET" && url.pathname === "/messages") {
        const to = url.searchParams.get("to")?.toLowerCase();
        const messageId = url.searchParams.get("messageId");
        const found = entries.filter(
          (e) => (!to || e.envelope.to.some((a) => a.toLowerCase() === to)) && (!messageId || e.messageId === messageId),
        );
        res.writeHead(200, { "content-type": "application/json", "x-mailbox-stored": String(stored) }).end(JSON.stringify(found));
        return;
      }
      const match = /^\/messages\/([\w-]+)(\.eml)?$/.exec(url.pathname);
      if (req.method === "GET" && match) {
        res.writeHead(200, { "content-type": "message/rfc822" }).end(await raw(match[1]));
        return;
      }
      if (req.method === "DELETE" && url.pathname === "/messages") {
        // Every stored message, the ones no longer listed included.
        const files = (await readdir(options.dir)).filter((f) => /^[\w-]+\.(?:eml|json)$/.test(f));
        for (let i = 0; i < files.length; i += LOAD_CONCURRENCY) {
          await Promise.all(files.slice(i, i + LOAD_CONCURRENCY).map((f) => rm(path.join(options.dir, f), { force: true })));
        }
        entries.length = 0;
        stored = 0;
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
    } catch (error) {
      const missing = (error as { code?: string }).code === "ENOENT";
      res
        .writeHead(missing ? 404 : 500, { "content-type": "application/json" })
        .end(JSON.stringify({ message: missing ? "Not Found" : String(error) }));
    }
  });
  await new Promise<void>((resolve) => http.listen(options.httpPort ?? 0, "127.0.0.1", () => resolve()));

  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    list: () => [...entries],
    raw,
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => http.close(() => resolve())),
      ]);
    },
  };
}

/** A message's header block with the blank line that ends it (all of it when it has no body). */
function headerBlock(message: Buffer): Buffer {
  const start = bodyStart(message);
  return start < 0 ? message : message.subarray(0, start);
}

/** Stored entries read at once, at most: a mailbox may hold far more messages than a process may open files. */
const LOAD_CONCURRENCY = 32;

/** The newest `max` entries (ids sort by time), and how many messages the directory holds. */
async function loadEntries(dir: string, max: number): Promise<{ entries: MailboxEntry[]; stored: number }> {
  const all = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const files = all.slice(Math.max(0, all.length - max));
  const entries: MailboxEntry[] = [];
  let next = 0;
  const readSome = async () => {
    while (next < files.length) {
      const file = path.join(dir, files[next++]);
      const text = await readFile(file, "utf8");
      try {
        entries.push(JSON.parse(text) as MailboxEntry);
      } catch {
        // Cut short by a crash while it was written: its .eml is there, but the listing cannot describe it.
        console.error(JSON.stringify({ level: "warn", message: "mailbox entry unreadable, not listed", file }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, files.length) }, readSome));
  return { entries: entries.sort((a, b) => a.id.localeCompare(b.id)), stored: all.length };
}
