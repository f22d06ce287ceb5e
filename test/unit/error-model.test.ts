// One error table drives both doors: an error's HTTP status and its SMTP reply come from the same
// row, and a row without either does not compile.
import { describe, expect, it } from "vitest";
import { AppError, ERROR_CODES, type ErrorCode, type ErrorFace } from "../../shared/domain/errors.ts";
import { errorResponse } from "../../shared/http/respond.ts";
import { smtpReplyFor } from "../../shared/smtp/replies.ts";

// @ts-expect-error A code without its SMTP reply is refused by the compiler.
const incomplete = { teapot: { http: 418, text: "I'm a teapot" } } satisfies Record<string, ErrorFace>;
void incomplete;

describe("the error table", () => {
  it("answers every code over HTTP with its status and the Devino error shape", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const response = errorResponse(new AppError(code, { reasons: [{ key: "required", ref: "Subject" }] }), "request-1") as {
        statusCode: number;
        body: string;
      };
      expect(response.statusCode).toBe(ERROR_CODES[code].http);
      expect(JSON.parse(response.body)).toMatchObject({ Code: code, Reasons: [{ key: "required", ref: "Subject" }] });
    }
  });

  it("answers every code over SMTP as its row says", () => {
    expect(smtpReplyFor(new AppError("validation_error", { message: "Invalid recipient address: x" }))).toEqual({
      responseCode: 554,
      message: "Transaction failed: Invalid recipient address: x",
    });
    expect(smtpReplyFor(new AppError("forbidden_ip", { message: "Client address 192.0.2.1 is not allowed for this account" }))).toEqual({
      responseCode: 554,
      message: "Transaction failed: Client address 192.0.2.1 is not allowed for this account",
    });
    expect(smtpReplyFor(new AppError("unauthorized"))).toEqual({
      responseCode: 554,
      message: "Transaction failed: Must authenticate before sending mail",
    });
    expect(smtpReplyFor(new AppError("payload_too_large"))).toEqual({
      responseCode: 554,
      message: "Transaction failed: Message exceeds fixed size limit",
    });
    expect(smtpReplyFor(new AppError("rate_limited"))).toEqual({ responseCode: 451, message: "Too many messages, try again later" });
    for (const code of ["bad_request", "invalid_json", "forbidden", "not_found", "unsupported_media_type", "internal_error"] as const) {
      expect(smtpReplyFor(new AppError(code, { message: "detail that must not reach the client" }))).toEqual({
        responseCode: 554,
        message: "Transaction failed: Internal server error",
      });
    }
  });
});
