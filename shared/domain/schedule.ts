// Scheduled sends (docs/http-api.md, docs/smtp.md): a time up to 30 days ahead, given as ISO 8601
// with its offset, so that nobody's mail goes out at the server's idea of local time.

export const MAX_SCHEDULE_DAYS = 30;
const DAY_MS = 86_400_000;

// 2026-03-01T10:00:00+03:00, 2026-03-01T07:00Z, 2026-03-01T10:00:00.250+0300.
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch milliseconds of an ISO 8601 time with an offset (or Z); undefined for anything else. */
export function parseSendAt(text: string): number | undefined {
  const match = ISO_WITH_OFFSET.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const time = Date.parse(text.trim().replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isFinite(time) ? time : undefined;
}

/**
 * The latest a message accepted at `acceptedAt` may be sent: 30 days on, and while its
 * attachments are kept (`attachmentExpiries`, epoch seconds).
 */
export function latestSendAt(acceptedAt: number, attachmentExpiries: readonly (number | undefined)[] = []): number {
  const expiries = attachmentExpiries.filter((at): at is number => at !== undefined).map((at) => at * 1000);
  return Math.min(acceptedAt + MAX_SCHEDULE_DAYS * DAY_MS, ...expiries);
}

/** Why this time cannot be a send time, or undefined when it can; `latest` as latestSendAt gives it. */
export function sendAtProblem(sendAt: number, now: number, latest = latestSendAt(now)): string | undefined {
  if (sendAt < now) return `is in the past (it is now ${new Date(now).toISOString()})`;
  if (sendAt > now + MAX_SCHEDULE_DAYS * DAY_MS) return `is more than ${MAX_SCHEDULE_DAYS} days ahead`;
  if (sendAt > latest) {
    return `is after ${new Date(latest).toISOString()}, the latest this message may go: ${MAX_SCHEDULE_DAYS} days after it was accepted, and while its attachments are kept`;
  }
  return undefined;
}
