// The one error model of both doors (docs/http-api.md, errors; docs/smtp.md). One table maps each
// error code to its HTTP status, its SMTP reply and its default text: adding a code without
// all three fails to compile. Reasons name what was wrong with a key from one list, which the
// HTTP answers and the SMTP refusals share.

/** How an error answers over SMTP. */
export type SmtpFace =
  /** `554 Transaction failed: <the error's own message>`: a refusal the client should read. */
  | { reply: "transaction_failed" }
  /** `554 Transaction failed: <text>`. */
  | { reply: "transaction_failed"; text: string }
  /** Another reply code with its own text (a temporary refusal the client retries). */
  | { reply: "code"; code: number; text: string }
  /** Not the client's doing: logged, and answered `554 Transaction failed: Internal server error`. */
  | { reply: "internal" };

export interface ErrorFace {
  http: number;
  /** The description when the error carries no message of its own. */
  text: string;
  smtp: SmtpFace;
}

const INTERNAL: SmtpFace = { reply: "internal" };

export const ERROR_CODES = {
  bad_request: { http: 400, text: "Malformed request", smtp: INTERNAL },
  invalid_json: { http: 400, text: "Request body is not valid JSON", smtp: INTERNAL },
  unauthorized: {
    http: 401,
    text: "Missing or invalid API key",
    smtp: { reply: "transaction_failed", text: "Must authenticate before sending mail" },
  },
  forbidden_ip: { http: 403, text: "Client address is not on the account's allowlist", smtp: { reply: "transaction_failed" } },
  forbidden: { http: 403, text: "This API key may not do that", smtp: INTERNAL },
  not_found: { http: 404, text: "Not found", smtp: INTERNAL },
  idempotency_conflict: { http: 422, text: "Idempotency-Key was already used with a different request", smtp: INTERNAL },
  conflict: { http: 409, text: "Conflicts with what is already there", smtp: INTERNAL },
  idempotency_in_progress: { http: 409, text: "A request with this Idempotency-Key is still being processed", smtp: INTERNAL },
  payload_too_large: {
    http: 413,
    text: "Request body exceeds the size limit",
    smtp: { reply: "transaction_failed", text: "Message exceeds fixed size limit" },
  },
  unsupported_media_type: { http: 415, text: "Content-Type must be application/json", smtp: INTERNAL },
  rate_limited: { http: 429, text: "Too many requests", smtp: { reply: "code", code: 451, text: "Too many messages, try again later" } },
  validation_error: { http: 400, text: "Validation error", smtp: { reply: "transaction_failed" } },
  internal_error: { http: 500, text: "Internal server error", smtp: INTERNAL },
} as const satisfies Record<string, ErrorFace>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Every reason key either door gives, for a field or a rule. Validation keys follow the field's
 * problem (`required`, `too_long` ...) whichever schema found it (shared/domain/reasons.ts).
 */
export const REASON_KEYS = [
  // A field's shape, as the one zod mapper names it.
  "required",
  "invalid_type",
  "too_small",
  "too_big",
  "too_long",
  "too_few_items",
  "too_many_items",
  "invalid_format",
  "invalid_value",
  "invalid_union",
  "invalid_key",
  "invalid_element",
  "unrecognized_keys",
  "not_multiple_of",
  "invalid",
  // A field the route does not know (a typo, or a field of another API): refused, never ignored.
  "unknown_field",
  // A setting only the operator may change.
  "read_only",
  // Values.
  "invalid_address",
  "invalid_name",
  "invalid_url",
  "url_not_allowed",
  "invalid_json",
  "invalid_date",
  "invalid_cursor",
  "invalid_category",
  "invalid_multipart",
  "invalid_path_parameter",
  "invalid_time_zone",
  "body_required",
  "duplicate",
  "invalid_tag",
  "invalid_header",
  // Rules of sending.
  "message_too_large",
  "attachment_not_found",
  "attachment_type_not_allowed",
  "attachment_too_large",
  "sender_not_verified",
  "invalid_recipient",
  "too_many_cc",
  "too_many_bcc",
  "too_many_x_headers",
  "html_without_body",
  "missing_from",
  "invalid_options",
  "skip_unsubscribe_not_allowed",
  "invalid_template",
  // Query strings of the read routes.
  "unknown_parameter",
  "from_after_to",
  "period_too_long",
  "invalid_combination",
  "template_not_found",
  "template_engine_mismatch",
  "header_not_allowed",
  "tag_limit_reached",
  "send_at_out_of_range",
  "not_scheduled",
  // Resources.
  "not_found",
  "not_removable",
  "too_many_webhooks",
  // Sending domains.
  "invalid_domain",
  "ip_not_allowed",
  "public_suffix",
  "domain_taken",
  "domain_not_verified",
  // The Infobip door: a field it knows but Posthaste does not do.
  "not_supported",
] as const;

export type ReasonKey = (typeof REASON_KEYS)[number];

export const isReasonKey = (value: unknown): value is ReasonKey => (REASON_KEYS as readonly unknown[]).includes(value);

/** A reason for a validation failure: `key` says what, `ref` the path of the field. */
export interface Reason {
  key: ReasonKey;
  ref?: string;
  message?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly reasons: Reason[];
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: { message?: string; reasons?: Reason[]; headers?: Record<string, string> } = {}) {
    super(options.message ?? ERROR_CODES[code].text);
    this.name = "AppError";
    this.code = code;
    this.reasons = options.reasons ?? [];
    this.headers = options.headers ?? {};
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get smtp(): SmtpFace {
    return ERROR_CODES[this.code].smtp;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
