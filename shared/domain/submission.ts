// A submission is what one HTTP request or one SMTP transaction hands in: one body, many
// recipients. Both doors build one and give it to acceptSubmission().
import type { StoredBody } from "./body.ts";
import type { MessageOptions } from "./message.ts";

export interface SubmissionRecipient {
  /** Position in the request, echoed back as Result[].Index. */
  index: number;
  address: string;
  name?: string;
  mergeFields: Record<string, string>;
  extraData: Record<string, string>;
  /** This recipient's mergeFields whose values are JSON (objects and lists for Velocity), when they differ from the submission's. */
  structuredFields?: string[];
}

/** The body every recipient shares (stored once), plus who gets it and how. */
export interface Submission extends StoredBody {
  recipients: SubmissionRecipient[];
  /** Skip suppressed recipients with REJECTED (always on for SMTP, CheckUnsubscription for HTTP). */
  checkSuppression: boolean;
  options: MessageOptions;
  metadata?: Record<string, string>;
  tags?: string[];
  /** A scheduled send: recorded SCHEDULED now, sent at this time (epoch milliseconds). */
  sendAt?: number;
  /** The latest it may be moved to (domain/schedule.ts latestSendAt). */
  latestSendAt?: number;
}

export interface AcceptedRecipient {
  index: number;
  address: string;
  messageId: string;
  status: "ACCEPTED" | "SCHEDULED" | "REJECTED";
  reason?: string;
}

export const DEFAULT_OPTIONS: MessageOptions = { trackOpens: true, trackLinks: true, language: "en", skipUnsubscribe: false };
