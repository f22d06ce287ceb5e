// The one middy stack every HTTP handler runs in: the invocation's context for the logs and its
// metrics (shared/observability.ts), request size limit, JSON body parsing with the position of
// an error, authentication, error mapping and a log line per failure.
// Handlers receive a parsed request and return a result; they never see raw events.
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import { AppError } from "../domain/errors.ts";
import { lambdaObservability } from "../observability.ts";

import { authenticate, type AuthDeps, type CredentialsReader } from "./auth.ts";
import { parseJsonBody } from "./json.ts";
import { errorResponse, type ErrorResponder } from "./respond.ts";
import type { Caller } from "../domain/account.ts";

export interface ApiRequest {
  event: APIGatewayProxyEventV2;
  requestId: string;
  /** Present when the route authenticates. */
  caller: Caller;
  /** The parsed JSON body, when the route takes JSON. */
  body: unknown;
  rawBody: Buffer;
  header(name: string): string | undefined;
}

export interface RouteOptions {
  /** Authenticate with an API key (default true). */
  auth?: AuthDeps | false;
  /** Parse the body as JSON (default false). */
  json?: boolean;
  maxBodyBytes?: number;
  /** How the Authorization header names the key (default `Key`/`Bearer`); a compatible door reads its own schemes. */
  credentials?: CredentialsReader;
  /** How errors answer (default the Devino shape); a compatible door answers in its own. */
  errors?: ErrorResponder;
  /** Brings the secrets up to date before each request (shared/secrets/refresh.ts): the routes that sign or verify links. */
  refreshSecrets?: () => Promise<void>;
  /** The query parameters the route reads: any other is refused by name (never ignored). Unset: not checked. */
  query?: readonly string[];
}

type RouteContext = Context & { posthaste?: { caller?: Caller; body?: unknown; rawBody: Buffer } };

export function httpRoute(options: RouteOptions, fn: (request: ApiRequest) => Promise<APIGatewayProxyResultV2>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, RouteContext>()
    .use(lambdaObservability<APIGatewayProxyEventV2, APIGatewayProxyResultV2>())
    .use({
      before: async ({ event, context }) => {
        await options.refreshSecrets?.();
        const rawBody = event.body ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : Buffer.alloc(0);
        if (options.maxBodyBytes && rawBody.length > options.maxBodyBytes) {
          throw new AppError("payload_too_large", { message: `Request body exceeds the limit of ${options.maxBodyBytes} bytes` });
        }
        const caller = options.auth
          ? await authenticate(options.auth, header(event, "authorization"), event.requestContext.http.sourceIp, options.credentials)
          : undefined;
        if (options.query) refuseUnknownParameters(event.queryStringParameters ?? {}, options.query);
        let body: unknown;
        if (options.json) {
          const type = header(event, "content-type") ?? "application/json";
          if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) throw new AppError("unsupported_media_type");
          body = parseJsonBody(rawBody.toString("utf8"));
        }
        context.posthaste = { caller, body, rawBody };
      },
      onError: async (request) => {
        request.response = (options.errors ?? errorResponse)(
          request.error,
          request.context.awsRequestId ?? request.event.requestContext?.requestId,
        );
      },
    })
    .handler(async (event, context) => {
      const state = context.posthaste!;
      return fn({
        event,
        requestId: event.requestContext.requestId,
        caller: state.caller!,
        body: state.body,
        rawBody: state.rawBody,
        header: (name) => header(event, name),
      });
    });
}

function refuseUnknownParameters(given: Record<string, string | undefined>, known: readonly string[]) {
  const unknown = Object.keys(given).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  throw new AppError("validation_error", {
    message: `${unknown[0]} is not a parameter of this request${known.length ? ` (it takes ${known.join(", ")})` : ""}`,
    reasons: unknown.map((ref) => ({ key: "unknown_field", ref })),
  });
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}
