// One list of error codes. Each code has one HTTP status and one SMTP reply text; the HTTP
// mapping lives in shared/http/respond.ts and the SMTP one in the SMTP ingest.

export const ERROR_CODES = {
  bad_request: { http: 400, text: "Malformed request" },
  invalid_json: { http: 400, text: "Request body is not valid JSON" },
  unauthorized: { http: 401, text: "Missing or invalid API key" },
  forbidden_ip: { http: 403, text: "Client address is not on the account's allowlist" },
  forbidden: { http: 403, text: "This API key may not do that" },
  not_found: { http: 404, text: "Not found" },
  idempotency_conflict: { http: 422, text: "Idempotency-Key was already used with a different request" },
  idempotency_in_progress: { http: 409, text: "A request with this Idempotency-Key is still being processed" },
  payload_too_large: { http: 413, text: "Request body exceeds the size limit" },
  unsupported_media_type: { http: 415, text: "Content-Type must be application/json" },
  rate_limited: { http: 429, text: "Too many requests" },
  validation_error: { http: 400, text: "Validation error" },
  internal_error: { http: 500, text: "Internal server error" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A reason for a validation failure: `key` is a code, `ref` the path of the field. */
export interface Reason {
  key: string;
  ref?: string;
  message?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly reasons: Reason[];
  readonly retryable: boolean;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    options: { message?: string; reasons?: Reason[]; retryable?: boolean; headers?: Record<string, string> } = {},
  ) {
    super(options.message ?? ERROR_CODES[code].text);
    this.name = "AppError";
    this.code = code;
    this.reasons = options.reasons ?? [];
    this.retryable = options.retryable ?? false;
    this.headers = options.headers ?? {};
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
