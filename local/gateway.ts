// A small stand-in for API Gateway's HTTP API: routes from the function manifest, real
// APIGatewayProxyEventV2 events in, structured results out. Like API Gateway it refuses bodies
// over the payload limit before any handler runs.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import type { RouteDef } from "../functions/manifest.ts";

export type HttpLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

interface CompiledRoute {
  def: RouteDef;
  pattern: RegExp;
  params: string[];
  handler: HttpLambda;
}

const TEXT_TYPES = /^(text\/|application\/(?:[\w.+-]+\+)?(?:json|xml)|application\/x-www-form-urlencoded)/i;

export function compileRoute(def: RouteDef, handler: HttpLambda): CompiledRoute {
  const params: string[] = [];
  const source = def.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{(\w+)\+?\\?\}/g, (_m, name: string) => {
    params.push(name);
    return "([^/]+)";
  });
  return { def, pattern: new RegExp(`^${source}$`), params, handler };
}

export function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function toEvent(req: IncomingMessage, body: Buffer, route: CompiledRoute, match: RegExpExecArray, url: URL): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== "cookie") headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
  const text = TEXT_TYPES.test(headers["content-type"] ?? "application/json");
  const requestId = randomUUID();
  const now = new Date();
  return {
    version: "2.0",
    routeKey: `${route.def.method} ${route.def.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: req.headers.cookie?.split(/;\s*/),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: route.params.length ? pathParameters : undefined,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: (headers.host ?? "localhost").split(".")[0],
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: `${route.def.method} ${route.def.path}`,
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? body.toString(text ? "utf8" : "base64") : undefined,
    isBase64Encoded: body.length > 0 && !text,
  };
}

function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2) {
  if (typeof result === "string" || result === undefined || result === null) {
    res.writeHead(200, { "content-type": "application/json" }).end(typeof result === "string" ? result : "");
    return;
  }
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers["set-cookie"] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8") : undefined);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too_large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers["content-length"] ?? 0) > limit;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? "too_large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const jsonError = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

export interface Gateway {
  server: Server;
  url: string;
  setRoutes(routes: CompiledRoute[]): void;
  close(): Promise<void>;
}

/** Listens first (so the public URL is known before handlers load), routes once they are set. */
export async function startGateway(options: { port: number; host?: string; maxBodyBytes: number }): Promise<Gateway> {
  let routes: CompiledRoute[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let matched: { route: CompiledRoute; match: RegExpExecArray } | undefined;
    for (const route of routes) {
      const match = route.def.method === req.method ? route.pattern.exec(url.pathname) : null;
      if (match) {
        matched = { route, match };
        break;
      }
    }
    if (!matched) return jsonError(res, 404, { message: "Not Found" });
    try {
      const body = await readBody(req, options.maxBodyBytes);
      if (body === "too_large") {
        return jsonError(res, 413, { Code: "payload_too_large", Description: `Request body exceeds the limit of ${options.maxBodyBytes} bytes` });
      }
      const event = toEvent(req, body, matched.route, matched.match, url);
      writeResult(res, await matched.route.handler(event, lambdaContext(matched.route.def.name, event.requestContext.requestId)));
    } catch (error) {
      console.error(JSON.stringify({ level: "error", message: "handler crashed", route: matched.route.def.name, error: String(error) }));
      if (!res.headersSent) jsonError(res, 500, { message: "Internal Server Error" });
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port, options.host ?? "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://localhost:${port}`,
    setRoutes: (next) => {
      routes = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
