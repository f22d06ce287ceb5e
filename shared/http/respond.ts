// The one mapping from errors to HTTP answers, in the Devino JSON shape (docs/http-api.md):
// {"Code": "...", "Description": "...", "Reasons": [{"key": "...", "ref": "..."}]}.
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AppError, isAppError } from "../domain/errors.ts";
import { log } from "../log.ts";

export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorBody(error: AppError) {
  return {
    Code: error.code,
    Description: error.message,
    ...(error.reasons.length ? { Reasons: error.reasons.map(({ key, ref }) => (ref ? { key, ref } : { key })) } : {}),
  };
}

/** Turns any error into the route's answer. */
export type ErrorResponder = (error: unknown, requestId: string) => APIGatewayProxyResultV2;

/** Unknown errors are logged with the request id; their text never reaches the caller. */
export function errorResponse(error: unknown, requestId: string): APIGatewayProxyResultV2 {
  if (isAppError(error)) return json(error.httpStatus, errorBody(error), error.headers);
  log.error("unhandled error", { requestId, error: error instanceof Error ? error.stack : String(error) });
  return json(500, errorBody(new AppError("internal_error")));
}
