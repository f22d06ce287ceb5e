// The OpenAPI 3.1 document of the HTTP API, generated from the manifest's routes and the zod
// schemas in routes.ts (zod-openapi turns them into JSON Schema). Every error a route can give
// is listed under its HTTP status with the one error shape and an example per code.
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import { ERROR_CODES, type ErrorCode } from "../domain/errors.ts";
import { infobipFace } from "../infobip/index.ts";
import { infobipErrorSchema } from "./infobip.ts";
import { ROUTE_DOCS, type RouteDoc } from "./routes.ts";
import { errorSchema } from "./schemas.ts";

/** What the document needs of a manifest route. */
export interface RouteRef {
  name: string;
  method: string;
  path: string;
  /** More method and path pairs of the same Lambda (the manifest's `also`), each an operation of its own. */
  also?: { name: string; method: string; path: string }[];
}

/** Every operation of these routes: each route's own pair and its `also` pairs, each under its own name. */
export const operationsOf = (routes: RouteRef[]): RouteRef[] =>
  routes.flatMap((route) => [route, ...(route.also ?? [])].map(({ name, method, path }) => ({ name, method, path })));

/** Infobip's own ways to pass a key, besides `Key` and `Bearer`. */
const INFOBIP_SECURITY: Record<string, string[]>[] = [{ InfobipApp: [] }, { Basic: [] }, { ApiKey: [] }, { Bearer: [] }];

const AUTH_ERRORS: ErrorCode[] = ["unauthorized", "forbidden_ip", "rate_limited"];
const JSON_BODY_ERRORS: ErrorCode[] = ["invalid_json", "validation_error", "payload_too_large", "unsupported_media_type"];

/** Every error code a route can answer with: its access, its body, its path, and its own. */
export function errorCodesOf(doc: RouteDoc, hasPathParameters: boolean): ErrorCode[] {
  const codes = new Set<ErrorCode>(["internal_error"]);
  if (doc.access !== "public") for (const code of AUTH_ERRORS) codes.add(code);
  if (doc.access === "accountKey") codes.add("forbidden");
  if (doc.body && "json" in doc.body) for (const code of JSON_BODY_ERRORS) codes.add(code);
  if (doc.body) codes.add("payload_too_large");
  if (hasPathParameters) codes.add("bad_request");
  for (const code of doc.errors ?? []) codes.add(code);
  return [...codes];
}

/** On the Infobip door, errors answer with Infobip's statuses and shape (shared/infobip/door.ts). */
function infobipErrorResponses(codes: ErrorCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = infobipFace(ERROR_CODES[code].http).status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status) as "400"] = {
      description: list.map((code) => ERROR_CODES[code].text).join("; "),
      content: {
        "application/json": {
          schema: infobipErrorSchema,
          examples: Object.fromEntries(
            list.map((code) => [
              code,
              {
                value: {
                  requestError: {
                    serviceException: { messageId: infobipFace(ERROR_CODES[code].http).messageId, text: ERROR_CODES[code].text },
                  },
                },
              },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

function errorResponses(codes: ErrorCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].http, [...(byStatus.get(ERROR_CODES[code].http) ?? []), code]);
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status) as "400"] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].text}`).join("; "),
      ...(status === 401 ? { headers: { "www-authenticate": { schema: { type: "string" }, description: 'Key realm="posthaste"' } } } : {}),
      ...(status === 429 ? { headers: { "retry-after": { schema: { type: "string" }, description: "Seconds to wait" } } } : {}),
      content: {
        "application/json": {
          schema: errorSchema,
          examples: Object.fromEntries(list.map((code) => [code, { value: { Code: code, Description: ERROR_CODES[code].text } }])),
        },
      },
    };
  }
  return responses;
}

function operation(route: RouteRef, doc: RouteDoc): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, answer] of Object.entries(doc.answers)) {
    responses[status as "200"] = {
      description: answer.description,
      ...(answer.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(answer.headers).map(([name, description]) => [name, { schema: { type: "string" }, description }]),
            ),
          }
        : {}),
      ...(answer.json ? { content: { "application/json": { schema: answer.json } } } : {}),
      ...(answer.media
        ? { content: Object.fromEntries([answer.media].flat().map((media) => [media.type, { schema: media.schema }])) }
        : {}),
    };
  }
  const hasPathParameters = route.path.includes("{");
  // Errors the route itself documents (a public page's own 404) win over the generic ones.
  const codes = errorCodesOf(doc, hasPathParameters);
  for (const [status, response] of Object.entries(doc.errorShape === "infobip" ? infobipErrorResponses(codes) : errorResponses(codes))) {
    if (!(status in responses)) responses[status as "400"] = response;
  }
  return {
    operationId: route.name,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    ...(doc.access === "public" ? { security: [] } : {}),
    ...(doc.errorShape === "infobip" ? { security: INFOBIP_SECURITY } : {}),
    ...(doc.access === "accountKey"
      ? { description: `${doc.description ?? ""}${doc.description ? " " : ""}Needs an account key: a project key gets 403 forbidden.` }
      : {}),
    requestParams: {
      ...(doc.path ? { path: doc.path } : {}),
      ...(doc.query ? { query: doc.query } : {}),
      ...(doc.headers ? { header: doc.headers } : {}),
    },
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content:
              "json" in doc.body
                ? { "application/json": { schema: doc.body.json, ...(doc.body.example ? { example: doc.body.example } : {}) } }
                : { [doc.body.media]: { schema: doc.body.schema } },
          },
        }
      : {}),
    responses,
  };
}

/** The document for these routes; a route without an entry in ROUTE_DOCS is left out (and a test says so). */
export function openApiDocument(routes: RouteRef[], options: { serverUrl?: string; version?: string } = {}) {
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const route of operationsOf(routes)) {
    const doc = ROUTE_DOCS[route.name];
    if (!doc) continue;
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operation(route, doc);
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Posthaste HTTP API",
      version: options.version ?? "1",
      description:
        "Transactional email: send, read statuses, manage suppressions, webhooks and API keys. Generated from the schemas that validate the requests; the reference pages are in docs/.",
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ ApiKey: [] }, { Bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        ApiKey: { type: "apiKey", in: "header", name: "Authorization", description: "`Authorization: Key <api-key>` (the Devino form)" },
        Bearer: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <api-key>`, the same key" },
        InfobipApp: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "`Authorization: App <api-key>` (the Infobip form), on the Infobip door's routes",
        },
        Basic: {
          type: "http",
          scheme: "basic",
          description:
            "Basic with the account or project id as the user name and the API key as the password, on the Infobip door's routes",
        },
      },
    },
  });
}
