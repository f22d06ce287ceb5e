// Settings of the SMTP door, from the environment (the same variables locally and on Fargate).
import os from "node:os";
import type { Config } from "../config.ts";
import { ATTACHMENT_BYTES } from "../files/files.ts";
import type { AuthThrottleLimits } from "./auth-throttle.ts";
import { SMTP_RULE_LIMITS } from "./rules.ts";

/** The brakes on guessing keys and hoarding connections: see shared/smtp/auth-throttle.ts. */
export interface SmtpSettings extends AuthThrottleLimits {
  /** Name in the greeting and EHLO answer; the certificate should match it. */
  hostname: string;
  /** Largest message (the raw DATA); advertised with SIZE. An account may have a lower one. */
  maxMessageBytes: number;
  attachmentBytes: number;
  /** Default cap of concurrent authenticated sessions per account (SPEC §10). */
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

const num = (value: string | undefined, fallback: number) => (value === undefined || value === "" ? fallback : Number(value));

export function smtpSettings(config: Pick<Config, "limits">, env: NodeJS.ProcessEnv = process.env): SmtpSettings {
  return {
    hostname: env.SMTP_SERVER_NAME || os.hostname(),
    maxMessageBytes: config.limits.messageBytes,
    attachmentBytes: num(env.LIMIT_ATTACHMENT_BYTES, ATTACHMENT_BYTES),
    sessionsPerAccount: num(env.LIMIT_SMTP_CONNECTIONS_PER_ACCOUNT, 50),
    maxRecipients: config.limits.recipientsPerRequest,
    closeTimeoutMs: num(env.SMTP_CLOSE_TIMEOUT_MS, 30_000),
    greetingDelay: env.SMTP_GREETING_DELAY === "on",
    authFailureDelayMs: num(env.SMTP_AUTH_FAILURE_DELAY_MS, 500),
    authFailuresPerConnection: num(env.SMTP_AUTH_FAILURES_PER_CONNECTION, 3),
    authFailuresPerAddress: num(env.SMTP_AUTH_FAILURES_PER_ADDRESS, 10),
    authFailureWindowMs: num(env.SMTP_AUTH_FAILURE_WINDOW_MS, 5 * 60_000),
    // A pooled client opens its connections at once; as many as an account may hold must get in.
    unauthenticatedPerAddress: num(env.SMTP_UNAUTHENTICATED_PER_ADDRESS, 50),
  };
}

export const ruleLimits = (settings: SmtpSettings) => ({ ...SMTP_RULE_LIMITS, attachmentBytes: settings.attachmentBytes });
