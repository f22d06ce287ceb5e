// Tags (docs/http-api.md, docs/smtp.md): labels a sender puts on a message to find it again in logs
// and statistics. The same rules on both doors.

/** Tags one message may carry. */
export const MAX_TAGS = 4;
export const MAX_TAG_LENGTH = 50;

// A tag is shown in logs, reports and webhooks: no control characters (header or log injection).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A tag both doors accept: 1 to 50 characters, none of them a control character. */
export const isAcceptableTag = (tag: string): boolean => tag.length > 0 && tag.length <= MAX_TAG_LENGTH && !CONTROL.test(tag);

export const hasControlCharacters = (text: string): boolean => CONTROL.test(text);

export const areUnique = (tags: readonly string[]): boolean => new Set(tags).size === tags.length;
