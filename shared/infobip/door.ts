// How Infobip clients authenticate and how errors answer on the Infobip door's routes
// (docs/moving-from-infobip.md): `App <key>`, `Basic base64(id:key)` with the account or project id
// as the user name, and Posthaste's own `Key` / `Bearer`; errors as
// {"requestError": {"serviceException": {"messageId", "text", "validationErrors"}}}.
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { AppError, isAppError } from "../domain/errors.ts";
import { apiKeyFrom, type CredentialsReader, json } from "../http/index.ts";
import { log } from "../log.ts";

export const infobipCredentials: CredentialsReader = (header) => {
  const app = /^App\s+(\S+)\s*$/i.exec(header ?? "");
  if (app) return { apiKey: app[1] };
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0 || colon === decoded.length - 1) return undefined;
    return { principal: decoded.slice(0, colon), apiKey: decoded.slice(colon + 1) };
  }
  const apiKey = apiKeyFrom(header);
  return apiKey ? { apiKey } : undefined;
};

/** Infobip answers with these statuses only (and 404 for a resource that is not there). */
const FACES: Record<number, { status: number; messageId: string }> = {
  401: { status: 401, messageId: "UNAUTHORIZED" },
  403: { status: 403, messageId: "FORBIDDEN" },
  404: { status: 404, messageId: "NOT_FOUND" },
  429: { status: 429, messageId: "TOO_MANY_REQUESTS" },
  500: { status: 500, messageId: "GENERAL_ERROR" },
};

/** The status and messageId an error of this HTTP status answers with on the Infobip door (the OpenAPI document lists them). */
export const infobipFace = (httpStatus: number): { status: number; messageId: string } =>
  FACES[httpStatus] ?? (httpStatus >= 500 ? FACES[500] : { status: 400, messageId: "BAD_REQUEST" });

/** Every field the error names, with what is wrong with it. */
function validationErrors(error: AppError): Record<string, string[]> | undefined {
  if (error.reasons.length === 0) return undefined;
  const byField: Record<string, string[]> = {};
  for (const reason of error.reasons) {
    const field = reason.ref ?? "request";
    byField[field] = [...(byField[field] ?? []), reason.message ?? (error.reasons.length === 1 ? error.message : reason.key)];
  }
  return byField;
}

export function infobipErrorBody(messageId: string, text: string, errors?: Record<string, string[]>) {
  return { requestError: { serviceException: { messageId, text, ...(errors ? { validationErrors: errors } : {}) } } };
}

export function infobipErrorResponse(error: unknown, requestId: string): APIGatewayProxyResultV2 {
  if (!isAppError(error)) {
    log.error("unhandled error", { requestId, error: error instanceof Error ? error.stack : String(error) });
    return json(500, infobipErrorBody("GENERAL_ERROR", new AppError("internal_error").message));
  }
  const face = infobipFace(error.httpStatus);
  return json(face.status, infobipErrorBody(face.messageId, error.message, validationErrors(error)), error.headers);
}
