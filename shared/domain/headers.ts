// Which headers a sender's message may carry (docs/smtp.md, headers), one rule for both doors:
// the SMTP door removes the others as Unisender Go does, the HTTP API refuses them by name.

/** The options header of the SMTP door, and its Unisender Go alias. */
export const OPTIONS_HEADERS = ["x-posthaste", "x-unisender-go"] as const;

/** At most this many X- headers a message. */
export const MAX_X_HEADERS = 50;

// The message's own fields: From, To, Subject ... come from the message, not from extra headers.
const STRUCTURAL = new Set(["from", "to", "cc", "bcc", "reply-to", "subject"]);
// Allowed only when the message goes without Posthaste's unsubscribe link.
const UNSUBSCRIBE_SKIPPED_ONLY = new Set([
  "list-unsubscribe",
  "list-subscribe",
  "list-help",
  "list-owner",
  "list-archive",
  "in-reply-to",
  "references",
]);
// Posthaste writes these itself.
const OURS = new Set<string>([...OPTIONS_HEADERS, "x-posthaste-message-id", "message-id"]);

export type HeaderKind =
  /** From, To, Cc, Bcc, Reply-To, Subject: fields of the message itself. */
  | "structural"
  /** Headers Posthaste sets itself. */
  | "ours"
  /** An X- header: kept, up to MAX_X_HEADERS. */
  | "x"
  /** List-* and threading headers: kept only when the unsubscribe link is skipped. */
  | "unsubscribe_skipped_only"
  /** Anything else: not passed on. */
  | "other";

/** What kind of header `name` is; `present` holds the message's other header names, lower case. */
export function headerKind(name: string, present: ReadonlySet<string>): HeaderKind {
  const lower = name.toLowerCase();
  if (STRUCTURAL.has(lower)) return "structural";
  if (OURS.has(lower)) return "ours";
  if (lower.startsWith("x-")) return "x";
  if (UNSUBSCRIBE_SKIPPED_ONLY.has(lower) || (lower === "list-unsubscribe-post" && present.has("list-unsubscribe")))
    return "unsubscribe_skipped_only";
  return "other";
}

/** Whether a header of this kind is passed on. */
export const isKept = (kind: HeaderKind, skipUnsubscribe: boolean): boolean =>
  kind === "x" || (kind === "unsubscribe_skipped_only" && skipUnsubscribe);

/** RFC 5322 field names: printable ASCII without the colon. */
export const isHeaderName = (name: string): boolean => /^[\x21-\x39\x3b-\x7e]{1,76}$/.test(name);
