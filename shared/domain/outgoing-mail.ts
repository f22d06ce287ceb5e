// The mail one recipient receives, as composed (shared/render/compose.ts) and handed to a transport.
import type { KeyObject } from "node:crypto";
import type { Readable } from "node:stream";

export interface OutgoingMail {
  messageId: string;
  envelope: { from: string; to: string };
  from: { address: string; name?: string };
  to: { address: string; name?: string };
  replyTo?: string;
  subject: string;
  html?: string;
  text?: string;
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; key: string; contentId?: string }[];
  /** Signs the message (DKIM) with its sender domain's key, where the transport signs (SMTP relay, local mailbox). */
  dkim?: { domainName: string; keySelector: string; privateKey: KeyObject };
}

export interface AttachmentContent {
  filename: string;
  contentType: string;
  content: Buffer | Readable;
  /** Set for an inline part (`cid:` in the HTML). */
  contentId?: string;
}
