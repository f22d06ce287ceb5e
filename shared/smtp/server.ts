// The SMTP door (docs/smtp.md): smtp-server on a STARTTLS port (587) and an implicit-TLS port (465),
// wired to the decisions in this folder and to the one accept path. The same server runs in
// the Fargate container (functions/smtp-ingest/main.ts) and in `npm start` (local/platform.ts).
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import type { AccountCache } from "../store/account-cache.ts";
import { log } from "../log.ts";

import { AccountSessions, decideLogin, sessionLimitFor, type LoginDecision } from "./auth.ts";
import { AuthThrottle } from "./auth-throttle.ts";
import { ingestTransaction, type IngestDeps } from "./ingest.ts";
import { replyError, SMTP_TEXTS, smtpReplyFor, transactionFailed, type SmtpReply } from "./replies.ts";
import { checkMailFrom, checkRcptTo } from "./rules.ts";
import { ruleLimits, type SmtpSettings } from "./settings.ts";
import type { Caller } from "../domain/account.ts";

export interface SmtpIngestOptions {
  deps: IngestDeps & { accountCache: Pick<AccountCache, "findCaller"> };
  settings: SmtpSettings;
  tls: { key: string; cert: string };
  host?: string;
  starttlsPort: number;
  tlsPort: number;
}

export interface SmtpIngest {
  starttlsPort: number;
  tlsPort: number;
  /** False once a shutdown began: health checks report it so the load balancer drains this task. */
  accepting(): boolean;
  sessions(): number;
  /** Serves this certificate to the sessions that start from now on; open ones keep theirs. */
  updateTls(tls: { key: string; cert: string }): void;
  /** Stops accepting, lets transactions in flight finish, closes idle sessions with 421. */
  close(): Promise<void>;
}

/** The address a MAIL FROM / RCPT TO command line names, for the refusal of a malformed one. */
const commandAddress = (line: string) =>
  (
    /<([^>]*)>/.exec(line)?.[1] ??
    line
      .slice(line.indexOf(":") + 1)
      .trim()
      .split(/\s+/)[0] ??
    ""
  ).slice(0, 256);

/**
 * smtp-server 3.21.6 (pinned) with three changes, all in methods its type declarations expose:
 * the greeting goes out at once instead of after 100 ms (see SmtpSettings.greetingDelay); the
 * EHLO answer of an unencrypted session does not offer AUTH (as Postfix's smtpd_tls_auth_only),
 * so a client with TLS off never sends its key in clear (the library only refuses AUTH there,
 * after the client sent it); and the library's own refusals that docs/smtp.md words differently
 * ("530 authentication required", "552 message exceeds fixed maximum message size", "501 bad
 * address syntax") are sent as the reference's 554 texts.
 */
function connectionClass(greetingDelay: boolean) {
  return class IngestConnection extends SMTPConnection {
    private lastCommand = "";
    private answeringEhlo = false;

    init() {
      if (greetingDelay) return super.init();
      this._setListeners(() => this.connectionReady());
    }

    _onCommand(command: Buffer, callback?: () => void) {
      this.lastCommand = command.subarray(0, 1024).toString("utf8");
      return super._onCommand(command, callback);
    }

    handler_EHLO(command: Buffer, callback: () => void) {
      this.answeringEhlo = true;
      try {
        super.handler_EHLO(command, callback);
      } finally {
        this.answeringEhlo = false;
      }
    }

    send(code: number, data?: string | string[] | null, context?: string | false) {
      if (this.answeringEhlo && !this.secure && Array.isArray(data)) data = data.filter((line) => !/^AUTH\b/i.test(line));
      const failed = (text: string) => super.send(554, transactionFailed(text).message, context);
      if (code === 530) return failed(SMTP_TEXTS.mustAuthenticate);
      if (code === 552) return failed(SMTP_TEXTS.tooLarge);
      if (code === 501 && context === "MAILBOX_SYNTAX_ERROR") return failed(SMTP_TEXTS.invalidRecipient(commandAddress(this.lastCommand)));
      if (code === 501 && context === "SENDER_SYNTAX_ERROR") return failed(SMTP_TEXTS.disallowedSource(commandAddress(this.lastCommand)));
      return super.send(code, data, context);
    }
  };
}

function serverClass(greetingDelay: boolean) {
  const Connection = connectionClass(greetingDelay);
  return class IngestServer extends SMTPServer {
    // As SMTPServer.connect, with our connection class.
    connect(socket: ConstructorParameters<typeof SMTPConnection>[1], socketOptions?: ConstructorParameters<typeof SMTPConnection>[2]) {
      const connection = new Connection(this, socket, socketOptions);
      this.connections.add(connection);
      connection.on("error", (error: Error) => this._onError(error));
      connection.on("connect", (data) => this._onClientConnect(data));
      connection.init();
    }
  };
}

/** The client's connection ended before the final dot: its doing, not a fault of ours. */
class ClientHungUp extends Error {
  constructor(readonly bytes: number) {
    super("connection closed before the end of DATA");
  }
}

/** The message, or undefined when it is over the limit; rejects with ClientHungUp when the client went away before the final dot. */
function readMessage(stream: SMTPServerDataStream, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    stream.once("end", () => {
      ended = true;
      resolve(size > limit || stream.sizeExceeded ? undefined : Buffer.concat(chunks, size));
    });
    // smtp-server errors the DATA stream only when the connection closes under it.
    stream.once("error", () => reject(new ClientHungUp(size)));
    stream.once("close", () => {
      if (!ended) reject(new ClientHungUp(size));
    });
  });
}

// smtp-server's enhanced status codes are off (the 554 texts of the reference have none), so the
// replies that need one to be understood carry it in their text.
const THROTTLE_REPLIES = {
  badCredentials: { responseCode: 535, message: "5.7.8 Authentication credentials invalid" },
  tooManyFailures: { responseCode: 421, message: "4.7.0 Too many failed login attempts" },
  addressBlocked: { responseCode: 421, message: "4.7.0 Too many failed login attempts from your address, try again later" },
  tooManyConnections: { responseCode: 421, message: "4.7.0 Too many connections from your address, try again later" },
} satisfies Record<string, SmtpReply>;

const LOGIN_REPLIES: Record<Exclude<LoginDecision, { ok: true }>["reason"], (limit: number, ip: string) => SmtpReply> = {
  tls_required: () => ({ responseCode: 538, message: "Error: Must issue a STARTTLS command first" }),
  bad_credentials: () => THROTTLE_REPLIES.badCredentials,
  ip_not_allowed: (_limit, ip) => transactionFailed(`Client address ${ip} is not allowed for this account`),
  too_many_connections: (limit) => ({
    responseCode: 454,
    message: `Too many connections for this account (at most ${limit}), try again later`,
  }),
};

/**
 * TLS 1.3 suites (all AEAD), then for TLS 1.2 only ECDHE key exchange (forward secrecy) with
 * AES-GCM or ChaCha20-Poly1305, for ECDSA and RSA certificates alike: no static RSA key
 * exchange, no DHE, no CBC.
 */
const TLS_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

export async function startSmtpIngest(options: SmtpIngestOptions): Promise<SmtpIngest> {
  const { deps, settings } = options;
  const cache = deps.accountCache;
  const limits = ruleLimits(settings);
  const accountSessions = new AccountSessions();
  const throttle = new AuthThrottle(settings);
  const callers = new Map<string, Caller>();
  const connected = new Set<string>();
  const busy = new Set<string>();
  let closing = false;

  const shuttingDown = () => replyError({ responseCode: 421, message: "Server shutting down, try again later" });

  const handlers: Partial<SMTPServerOptions> = {
    onConnect(session, callback) {
      if (closing) return callback(shuttingDown());
      if (!throttle.admit(session.id, session.remoteAddress)) {
        log.warn("smtp connection refused: too many before login", { ip: session.remoteAddress });
        return callback(replyError(THROTTLE_REPLIES.tooManyConnections));
      }
      connected.add(session.id);
      callback();
    },

    onAuth(auth, session, callback) {
      if (closing) return callback(shuttingDown());
      if (!throttle.mayTry(session.remoteAddress)) {
        log.warn("smtp login refused", { reason: "too_many_failures_from_address", username: auth.username, ip: session.remoteAddress });
        return callback(replyError(THROTTLE_REPLIES.addressBlocked));
      }
      (async () => {
        const caller = auth.password ? await cache.findCaller(auth.password) : undefined;
        const sessionLimit = caller ? sessionLimitFor(caller, settings.sessionsPerAccount) : settings.sessionsPerAccount;
        const decision = decideLogin({
          username: auth.username ?? "",
          caller,
          secure: session.secure,
          remoteAddress: session.remoteAddress,
          openSessions: caller ? accountSessions.count(caller.accountId) : 0,
          sessionLimit,
        });
        if (!connected.has(session.id)) return; // the client left while its key was looked up
        if (!decision.ok) {
          log.warn("smtp login refused", { reason: decision.reason, username: auth.username, ip: session.remoteAddress });
          if (decision.reason === "bad_credentials") {
            // A guess: answered later each time, and the connection closed after a few.
            const verdict = throttle.failed(session.id, session.remoteAddress);
            await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
            return callback(replyError(verdict.hangUp ? THROTTLE_REPLIES.tooManyFailures : THROTTLE_REPLIES.badCredentials));
          }
          return callback(replyError(LOGIN_REPLIES[decision.reason](sessionLimit, session.remoteAddress)));
        }
        throttle.loggedIn(session.id);
        accountSessions.add(decision.caller.accountId, session.id);
        callers.set(session.id, decision.caller);
        callback(null, { user: decision.caller.accountId });
      })().catch((error) => callback(replyError(smtpReplyFor(error, { sessionId: session.id }))));
    },

    onMailFrom(address, session, callback) {
      const caller = callers.get(session.id);
      if (!caller) return callback(replyError(transactionFailed(SMTP_TEXTS.mustAuthenticate)));
      (async () => {
        checkMailFrom(address.address);
        if (!(await cache.isVerifiedSender(caller.accountId, address.address))) {
          const why = await cache.senderDomainProblem(caller.accountId, address.address);
          return callback(replyError(transactionFailed(`${SMTP_TEXTS.disallowedSource(address.address)}${why ? ` (${why})` : ""}`)));
        }
        callback();
      })().catch((error) => callback(replyError(smtpReplyFor(error, { sessionId: session.id }))));
    },

    onRcptTo(address, session, callback) {
      try {
        checkRcptTo(address.address);
        callback();
      } catch (error) {
        callback(replyError(smtpReplyFor(error, { sessionId: session.id })));
      }
    },

    onData(stream, session, callback) {
      const caller = callers.get(session.id)!;
      busy.add(session.id);
      const finish = (error: Error | null, message?: string) => {
        busy.delete(session.id);
        callback(error, message);
        if (closing) setImmediate(closeIdle);
      };
      (async () => {
        const raw = await readMessage(stream, settings.maxMessageBytes);
        if (!raw) return finish(replyError(transactionFailed(SMTP_TEXTS.tooLarge)));
        const accepted = await ingestTransaction(deps, { caller, rcptTo: session.envelope.rcptTo.map((r) => r.address), raw }, limits);
        log.info("smtp message accepted", {
          sessionId: session.id,
          accountId: caller.accountId,
          messageIds: accepted.slice(0, 20).map((a) => a.messageId),
          copies: accepted.length,
        });
        // One id per copy is recorded; the reply names the first (the copy for the first RCPT TO).
        finish(null, `Ok: queued as ${accepted[0].messageId}`);
      })().catch((error) => {
        if (!(error instanceof ClientHungUp))
          return finish(replyError(smtpReplyFor(error, { sessionId: session.id, accountId: caller.accountId })));
        log.info("smtp client hung up during DATA", {
          sessionId: session.id,
          accountId: caller.accountId,
          ip: session.remoteAddress,
          bytes: error.bytes,
        });
        finish(error); // nobody is left to read the reply; nothing of the message was kept
      });
    },

    onClose(session: SMTPServerSession) {
      connected.delete(session.id);
      throttle.closed(session.id);
      accountSessions.remove(session.id);
      callers.delete(session.id);
      busy.delete(session.id);
    },
  };

  const base = (): SMTPServerOptions => ({
    ...handlers,
    name: settings.hostname,
    banner: "Posthaste submission",
    key: options.tls.key,
    cert: options.tls.cert,
    minVersion: "TLSv1.2",
    ciphers: TLS_CIPHERS,
    authMethods: ["PLAIN", "LOGIN"],
    size: settings.maxMessageBytes,
    maxRecipients: settings.maxRecipients,
    disableReverseLookup: true,
    closeTimeout: settings.closeTimeoutMs,
    logger: false,
  });

  const Server = serverClass(settings.greetingDelay);
  const servers = [new Server({ ...base(), secure: false }), new Server({ ...base(), secure: true })];
  // Clients that hang up or fail their TLS handshake: routine on a public port, so not a warning.
  for (const server of servers) server.on("error", (error) => log.info("smtp connection error", { error: String(error) }));

  const ports: number[] = [];
  for (const [server, port] of [
    [servers[0], options.starttlsPort],
    [servers[1], options.tlsPort],
  ] as const) {
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.listen(port, options.host ?? "0.0.0.0", () => {
        server.server.off("error", reject);
        resolve();
      });
    });
    ports.push((server.server.address() as AddressInfo).port);
  }

  function closeIdle() {
    for (const server of servers) {
      for (const connection of [...server.connections])
        if (!busy.has(connection.id)) connection.send(421, "Server shutting down, try again later");
    }
  }

  return {
    starttlsPort: ports[0],
    tlsPort: ports[1],
    accepting: () => !closing,
    sessions: () => servers.reduce((n, s) => n + s.connections.size, 0),
    updateTls(pair) {
      // smtp-server's own reload: new handshakes (implicit TLS and STARTTLS) take the new context.
      for (const server of servers) server.updateSecureContext({ key: pair.key, cert: pair.cert });
    },
    async close() {
      if (closing) return;
      closing = true;
      const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      closeIdle();
      await closed;
    },
  };
}
