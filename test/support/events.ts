// Real-shaped API Gateway (HTTP API, payload 2.0) events and Lambda contexts for handler tests.
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { lambdaContext } from "../../local/gateway.ts";
import { checkContract } from "./contract.ts";

export function apiEvent(options: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  sourceIp?: string;
}): APIGatewayProxyEventV2 {
  const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const requestId = randomUUID();
  return {
    version: "2.0",
    routeKey: `${options.method ?? "GET"} ${options.path}`,
    rawPath: options.path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: {
      "content-type": "application/json",
      ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    requestContext: {
      accountId: "000000000000",
      apiId: "test",
      domainName: "api.test",
      domainPrefix: "api",
      http: {
        method: options.method ?? "GET",
        path: options.path,
        protocol: "HTTP/1.1",
        sourceIp: options.sourceIp ?? "203.0.113.7",
        userAgent: "vitest",
      },
      requestId,
      routeKey: `${options.method ?? "GET"} ${options.path}`,
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

export const testContext = (): Context => lambdaContext("test", randomUUID());

export async function invoke(
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>,
  event: APIGatewayProxyEventV2,
) {
  const result = (await handler(event, testContext())) as APIGatewayProxyStructuredResultV2;
  // Every answer a test gets is also held against the OpenAPI document (test/support/contract.ts).
  checkContract(event, result);
  const isJson = /json/.test(String(result.headers?.["content-type"] ?? ""));
  return { ...result, json: result.body && isJson ? JSON.parse(result.body) : undefined };
}
