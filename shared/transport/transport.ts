// What the delivery worker needs from a transport, whatever carries the mail (SES, an SMTP
// relay, the local mailbox). nodemailer builds and sends every message.
// Only the parts used: nodemailer's top level also bundles every other transport.
import Mail from "nodemailer/lib/mailer";
import SMTPPool, { type SMTPPoolOptions } from "nodemailer/lib/smtp-pool";
import type { SendMailOptions } from "nodemailer";
import type { OutgoingMail } from "../domain/outgoing-mail.ts";
import type { AttachmentContent } from "../domain/outgoing-mail.ts";

/** `delivered`: the recipient's server took it; `sent`: handed on, delivery will be reported later. */
export interface SendResult {
  outcome: "delivered" | "sent";
  response: string;
}

/**
 * What a throttled send ran into: "rate", the messages a second the account may send; "quota",
 * its messages a day (or SES paused its sending). Either way the message waits, it never bounces.
 */
export type Throttle = "rate" | "quota";

/**
 * A failed send. `permanent` is a 5xx (the message will never go through as it is); `hardBounce`
 * marks the 5xx answers that say the address itself is bad, which suppress it; `throttle` a
 * refusal for the sender's own volume, which is never an attempt of the message.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly hardBounce: boolean,
    readonly responseCode?: number,
    readonly throttle?: Throttle,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

export interface Transport {
  send(mail: OutgoingMail, attachments: AttachmentContent[]): Promise<SendResult>;
  close(): void;
}

export function toNodemailerMessage(mail: OutgoingMail, attachments: AttachmentContent[]): SendMailOptions {
  const domain = mail.from.address.slice(mail.from.address.lastIndexOf("@") + 1);
  return {
    messageId: `<${mail.messageId}@${domain}>`,
    envelope: mail.envelope,
    from: mail.from.name ? { name: mail.from.name, address: mail.from.address } : mail.from.address,
    to: mail.to.name ? { name: mail.to.name, address: mail.to.address } : mail.to.address,
    replyTo: mail.replyTo,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    headers: mail.headers,
    attachments: attachments.map(({ filename, contentType, content, contentId }) => ({
      filename,
      contentType,
      content,
      ...(contentId ? { cid: contentId } : {}),
    })),
    // nodemailer signs the message it builds, after every header is final.
    ...(mail.dkim ? { dkim: mail.dkim } : {}),
  };
}

interface SmtpFailure {
  responseCode?: number;
  response?: string;
  rejectedErrors?: SmtpFailure[];
  message?: string;
}

// 5.1.x (bad mailbox or domain) and the plain 550/551/553 answers mean the address is bad.
const HARD_BOUNCE = /^5\.1\.\d+/;

/** A relay's answer about the sender's own volume: SES SMTP's "454 Throttling failure: Maximum sending rate exceeded". */
export const throttleOf = (text: string): Throttle | undefined =>
  /throttl/i.test(text) ? (/daily|quota|paused/i.test(text) ? "quota" : "rate") : undefined;

/** Classifies a nodemailer SMTP error: 5xx permanent, 4xx and network errors transient. */
export function classifySmtpError(error: unknown): TransportError {
  const failure = error as SmtpFailure;
  const detail = failure.rejectedErrors?.[0] ?? failure;
  const code = detail.responseCode ?? failure.responseCode;
  const text = (detail.response ?? failure.response ?? failure.message ?? String(error)).trim();
  if (code !== undefined && code >= 500) {
    const enhanced = text.replace(/^\d{3}[ -]/, "");
    const hard = HARD_BOUNCE.test(enhanced) || (!/^\d\.\d+\.\d+/.test(enhanced) && [550, 551, 553].includes(code));
    return new TransportError(text, true, hard, code);
  }
  return new TransportError(text, false, false, code, throttleOf(text));
}

/** An SMTP relay or the local mailbox, through nodemailer's pooled SMTP transport. */
export function makeSmtpTransport(options: {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
  finalHop: boolean;
  /** The local mailbox speaks plain SMTP on loopback. */
  plain?: boolean;
  maxConnections?: number;
}): Transport {
  const poolOptions: SMTPPoolOptions = {
    pool: true,
    host: options.host,
    port: options.port,
    secure: options.secure,
    ignoreTLS: options.plain,
    requireTLS: !options.plain && !options.secure,
    tls: { minVersion: "TLSv1.2" },
    auth: options.user ? { user: options.user, pass: options.pass } : undefined,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: Infinity,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
  // What nodemailer.createTransport({ pool: true, ... }) builds.
  const transporter = new Mail(new SMTPPool(poolOptions), poolOptions);
  return {
    async send(mail, attachments) {
      try {
        const info = await transporter.sendMail(toNodemailerMessage(mail, attachments));
        return { outcome: options.finalHop ? "delivered" : "sent", response: String(info.response ?? "") };
      } catch (error) {
        throw classifySmtpError(error);
      }
    },
    close: () => transporter.close(),
  };
}

/**
 * The SMTP transport of whatever settings `current` gives at each send: a new pool when they
 * change (a relay login rotated in Secrets Manager), the old one closed once its sends are done.
 */
export function makeReloadingSmtpTransport(current: () => Parameters<typeof makeSmtpTransport>[0]): Transport {
  let built: { key: string; transport: Transport } | undefined;
  const transport = () => {
    const settings = current();
    const key = JSON.stringify(settings);
    if (built?.key !== key) {
      built?.transport.close();
      built = { key, transport: makeSmtpTransport(settings) };
    }
    return built.transport;
  };
  return {
    send: (mail, attachments) => transport().send(mail, attachments),
    close: () => built?.transport.close(),
  };
}
