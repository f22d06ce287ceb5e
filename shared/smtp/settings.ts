// Settings of the SMTP door, from shared/config.ts (the same variables locally and on Fargate).
import type { Config } from "../config.ts";
import type { AuthThrottleLimits } from "./auth-throttle.ts";
import { SMTP_RULE_LIMITS } from "./rules.ts";

/** The brakes on guessing keys and hoarding connections: see shared/smtp/auth-throttle.ts. */
export interface SmtpSettings extends AuthThrottleLimits {
  /** Name in the greeting and EHLO answer; the certificate should match it. */
  hostname: string;
  /** Largest message (the raw DATA); advertised with SIZE. An account may have a lower one. */
  maxMessageBytes: number;
  attachmentBytes: number;
  attachmentsPerMessage: number;
  /** Default cap of concurrent authenticated sessions per account (docs/configuration.md). */
  sessionsPerAccount: number;
  maxRecipients: number;
  /** How long a shutdown waits for transactions in flight before cutting sessions. */
  closeTimeoutMs: number;
  /**
   * smtp-server waits 100 ms before every greeting to catch clients that talk too soon (a spam
   * bot trait). Submission needs AUTH anyway, and the wait caps a client that opens a connection
   * per message near 10 messages a second; so it is off unless SMTP_GREETING_DELAY=on.
   */
  greetingDelay: boolean;
}

/** The door's settings: the SMTP_* settings of shared/config.ts and the limits the HTTP door shares. */
export function smtpSettings(config: Pick<Config, "limits" | "smtpServer">): SmtpSettings {
  const {
    bindHost: _b,
    starttlsPort: _s,
    tlsPort: _t,
    healthPort: _h,
    tlsCertPem: _c,
    tlsKeyPem: _k,
    tlsCertSecretArn: _a,
    ...own
  } = config.smtpServer;
  return {
    ...own,
    maxMessageBytes: config.limits.messageBytes,
    maxRecipients: config.limits.recipientsPerRequest,
    attachmentsPerMessage: config.limits.attachmentsPerMessage,
  };
}

export const ruleLimits = (settings: SmtpSettings) => ({
  ...SMTP_RULE_LIMITS,
  attachmentBytes: settings.attachmentBytes,
  attachments: settings.attachmentsPerMessage,
});
