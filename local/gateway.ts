// A small stand-in for API Gateway's HTTP API: routes from the function manifest, real
// APIGatewayProxyEventV2 events in, structured results out. Like API Gateway it refuses bodies
// over the payload limit before any handler runs (a declared length before reading the body),
// and answers whatever it cannot parse with a 400: nothing a client sends may stop the process.
import { randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import type { RouteDef } from "../functions/manifest.ts";
import { AppError, isAppError } from "../shared/domain/errors.ts";
import { errorBody, JSON_HEADERS } from "../shared/http/respond.ts";

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

export function toEvent(
  req: IncomingMessage,
  body: Buffer,
  route: CompiledRoute,
  match: RegExpExecArray,
  url: URL,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== "cookie") headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, decodePathParameter(name, match[i + 1])]));
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

/** Statuses that carry no body, hence no length either. */
const WITHOUT_BODY = new Set([204, 304]);

/**
 * Answers as API Gateway does, with the body's length (never chunked). A text body goes out as the
 * string it is: Node writes it with the head in one write, where a Buffer would be a copy and a second one.
 */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2) {
  if (typeof result === "string" || result === undefined || result === null) {
    const body = typeof result === "string" ? result : "";
    res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }).end(body);
    return;
  }
  // The body first: a result that cannot be sent fails before any header is committed, so a 500 can still go out.
  const body = !result.body ? "" : result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
  const status = result.statusCode ?? 200;
  const headers: Record<string, string | string[]> = WITHOUT_BODY.has(status)
    ? { ...(result.headers as Record<string, string>) }
    : { "content-length": String(Buffer.byteLength(body)), ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers["set-cookie"] = result.cookies;
  res.writeHead(status, headers);
  res.end(WITHOUT_BODY.has(status) ? undefined : body);
}

/** The declared length alone is enough to refuse: the body is never read. */
const declaredTooLarge = (req: IncomingMessage, limit: number) => Number(req.headers["content-length"] ?? 0) > limit;

/** The body, or why there is none: over the limit (chunked bodies have no declared length), or the client went away. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too_large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) resolve("too_large");
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    // A client that disconnects mid-body is not an error of ours; there is no one left to answer.
    req.on("error", () => resolve("aborted"));
    req.on("close", () => resolve(req.complete ? Buffer.concat(chunks) : "aborted"));
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, "content-length": String(Buffer.byteLength(text)), ...headers }).end(text);
}

/** Refused before reading the body, and the connection closed so the rest of it is never read either. */
const refuseTooLarge = (res: ServerResponse, limit: number) =>
  sendJson(res, 413, errorBody(new AppError("payload_too_large", { message: `Request body exceeds the limit of ${limit} bytes` })), {
    connection: "close",
  });

function parseTarget(target: string | undefined): URL {
  try {
    return new URL(target ?? "/", "http://localhost");
  } catch {
    throw new AppError("bad_request", { message: "The request target is not a valid URL path" });
  }
}

function decodePathParameter(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError("bad_request", {
      message: `Path parameter ${name} is not valid percent-encoded UTF-8`,
      reasons: [{ key: "invalid_path_parameter", ref: name }],
    });
  }
}

/** An answer written straight to the socket, where Node gives no response object; then the connection closes. */
function refuseOnSocket(socket: Duplex, status: number, description: string) {
  // A socket taken from the HTTP server (CONNECT) has lost the server's error listener: a reset must not become an uncaught error.
  socket.on("error", () => socket.destroy());
  const body = JSON.stringify(errorBody(new AppError("bad_request", { message: description })));
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    `content-type: ${JSON_HEADERS["content-type"]}`,
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`, () => socket.destroy());
}

const PARSE_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  ERR_HTTP_REQUEST_HEADERS_TIMEOUT: 408,
};

/**
 * Node's own answer to a request it cannot parse is an empty 400; this one says what was wrong,
 * in the API's error shape, then closes the connection (the parser cannot resynchronise).
 */
function answerUnparsable(error: Error & { code?: string; reason?: string }, socket: Duplex) {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = PARSE_ERROR_STATUS[error.code ?? ""] ?? 400;
  refuseOnSocket(
    socket,
    status,
    status === 431
      ? "Request headers are too large"
      : status === 408
        ? "Request timed out"
        : `Malformed HTTP request: ${error.reason ?? error.message}`,
  );
}

export interface Gateway {
  server: Server;
  url: string;
  setRoutes(routes: CompiledRoute[]): void;
  close(): Promise<void>;
}

/** Listens first (so the public URL is known before handlers load), routes once they are set. */
export async function startGateway(options: { port: number; host?: string; maxBodyBytes: number }): Promise<Gateway> {
  let routes: CompiledRoute[] = [];
  const limit = options.maxBodyBytes;

  const findRoute = (method: string | undefined, pathname: string) => {
    for (const route of routes) {
      const match = route.def.method === method ? route.pattern.exec(pathname) : null;
      if (match) return { route, match };
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let routeName: string | undefined;
    try {
      if (declaredTooLarge(req, limit)) return refuseTooLarge(res, limit);
      const url = parseTarget(req.url);
      const matched = findRoute(req.method, url.pathname);
      if (!matched) return sendJson(res, 404, { message: "Not Found" });
      routeName = matched.route.def.name;
      const body = await readBody(req, limit);
      if (body === "aborted") return;
      if (body === "too_large") return refuseTooLarge(res, limit);
      const event = toEvent(req, body, matched.route, matched.match, url);
      writeResult(res, await matched.route.handler(event, lambdaContext(routeName, event.requestContext.requestId)));
    } catch (error) {
      if (isAppError(error)) return sendJson(res, error.httpStatus, errorBody(error));
      console.error(JSON.stringify({ level: "error", message: "handler crashed", route: routeName, error: String(error) }));
      if (res.headersSent) return res.destroy();
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      sendJson(res, 500, { message: "Internal Server Error" });
    }
  };

  // Whatever goes wrong with one request ends that request, never the process.
  const serve = (req: IncomingMessage, res: ServerResponse) =>
    void handle(req, res).catch((error) => {
      console.error(JSON.stringify({ level: "error", message: "request failed", error: String(error) }));
      res.destroy();
    });
  const server = createServer(serve);
  // Refused before "100 Continue" invites the client to send what would be refused anyway.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    if (declaredTooLarge(req, limit)) return refuseTooLarge(res, limit);
    res.writeContinue();
    serve(req, res);
  });
  server.on("clientError", answerUnparsable);
  // Without this, Node closes a CONNECT request's connection without a word.
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => refuseOnSocket(socket, 400, "The CONNECT method is not supported"));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(options.port, options.host ?? "127.0.0.1", () => resolve()),
  );
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
