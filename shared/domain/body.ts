// The body of a submission, stored once and shared by every recipient copy, and the attachments it names.
import type { Party } from "./message.ts";

export interface AttachmentRef {
  fileId: string;
  filename: string;
  contentType: string;
  size: number;
  key: string;
  /** An inline part the HTML shows as `cid:<contentId>` (the Infobip door's inlineImage). */
  contentId?: string;
  /** When the file's record ends (epoch seconds): a scheduled send must go before. */
  expiresAt?: number;
}

export interface StoredBody {
  from: Party;
  subject: string;
  html?: string;
  text?: string;
  replyTo?: string;
  /** Extra headers to copy to every copy (SMTP X- headers and the like). */
  headers?: Record<string, string>;
  attachments?: AttachmentRef[];
}
