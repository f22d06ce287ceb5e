// A message: one recipient's copy of a submission, as it is stored, with its current status and
// its whole history. Every folder that reads or writes messages shares these types.
import type { Status, StatusChange } from "./status.ts";

export interface Party {
  address: string;
  name?: string;
}

export interface MessageOptions {
  trackOpens: boolean;
  trackLinks: boolean;
  /** Language of the unsubscribe footer and page. */
  language: string;
  skipUnsubscribe: boolean;
  /**
   * The syntax of the substitutions, applied at compose time: set on every SMTP message ("none"
   * for one without the options header) and on HTTP messages with TemplateEngine or TemplateId.
   * Absent: the HTTP API's `[Name]` merge fields.
   */
  templateEngine?: "simple" | "velocity" | "none";
  /** SMTP `strict: true`: every copy keeps the client's To and Cc headers. */
  strict?: boolean;
  /** mergeFields whose values are JSON (objects and arrays for Velocity). */
  structuredFields?: string[];
}

export interface Message {
  messageId: string;
  accountId: string;
  projectId?: string;
  /** All recipients of one request share a submission and its stored body. */
  submissionId: string;
  bodyKey: string;
  from: Party;
  to: Party;
  subject: string;
  mergeFields: Record<string, string>;
  extraData: Record<string, string>;
  metadata?: Record<string, string>;
  tags?: string[];
  options: MessageOptions;
  status: Status;
  statusRank: number;
  history: StatusChange[];
  version: number;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  /** A scheduled send: not sent before this time (epoch milliseconds). */
  sendAt?: number;
  /** A scheduled send may be moved up to this time (epoch milliseconds). */
  latestSendAt?: number;
  /** While set and in the future, a worker owns the message. */
  claimUntil?: number;
  /** Present while the message waits to be sent: the sweeper's index. */
  pendingShard?: string;
  dueAt?: number;
  lastError?: string;
  /** Its entry in the account's log index (shared/store/keys.ts). */
  logShard?: string;
  logKey?: string;
  /** Present from its first final status until its delivery report is read: the index of unread reports. */
  reportShard?: string;
  reportKey?: string;
  /** Every fetch of the open pixel and every tracked click, not only the first. */
  opens?: number;
  clicks?: number;
}

export type NewMessage = Omit<
  Message,
  "statusRank" | "history" | "version" | "attempts" | "pendingShard" | "dueAt" | "logShard" | "logKey" | "reportShard" | "reportKey"
>;

export type EngagementCounter = "opens" | "clicks";
