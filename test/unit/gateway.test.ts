// The local gateway faces the network before any handler: whatever arrives on the socket gets
// an answer in the API's error shape, and nothing a client sends can stop the process.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileRoute, startGateway, type Gateway, type HttpLambda } from "../../local/gateway.ts";
import type { RouteDef } from "../../functions/manifest.ts";
import { rawRequest } from "../support/raw-http.ts";

const LIMIT = 1024;

const route = (method: RouteDef["method"], path: string, handler: HttpLambda) =>
  compileRoute({ name: `${method} ${path}`, method, path, entry: "-", access: { table: "read" } }, handler);

const echo: HttpLambda = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ pathParameters: event.pathParameters ?? null, bodyLength: event.body?.length ?? 0 }),
});

describe("the local gateway", () => {
  let gateway: Gateway;
  let port: number;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    gateway = await startGateway({ port: 0, maxBodyBytes: LIMIT });
    port = (gateway.server.address() as AddressInfo).port;
    gateway.setRoutes([
      route("GET", "/things/{thingId}", echo),
      route("POST", "/things", echo),
      route("GET", "/bad-status", async () => ({ statusCode: 99999, body: "x" })),
      route("GET", "/bad-header", async () => ({ statusCode: 200, headers: { "x-broken": "a\r\nb" }, body: "x" })),
      route("GET", "/throws", async () => {
        throw new Error("boom");
      }),
      route("GET", "/text", async () => ({ statusCode: 200, headers: { "content-type": "text/plain" }, body: "déjà vu" })),
      route("GET", "/binary", async () => ({
        statusCode: 200,
        body: Buffer.from([0, 1, 2, 255]).toString("base64"),
        isBase64Encoded: true,
      })),
      route("GET", "/bare-string", async () => '{"ok":true}'),
      route("DELETE", "/things/{thingId}", async () => ({ statusCode: 204 })),
    ]);
  });
  afterAll(async () => {
    await gateway?.close();
    process.off("unhandledRejection", onUnhandled);
  });

  const stillServing = async () => {
    const answer = await rawRequest(port, "GET /things/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ pathParameters: { thingId: "abc" }, bodyLength: 0 });
  };

  it.each(["http://[", "http://a:99999/", "http://%zz/", "//[::1", "http://a%20b/", "http://"])(
    "answers 400 in the API's error shape to the request target %s, and keeps serving",
    async (target) => {
      const answer = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

      expect(answer.status).toBe(400);
      expect(answer.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toMatchObject({ Code: "bad_request", Description: expect.stringMatching(/request target/i) });
      await stillServing();
      expect(unhandled).toEqual([]);
    },
  );

  it.each(["%zz", "%E0%A4%A", "%", "abc%"])("answers 400 naming the path parameter for the malformed escape %s", async (badEscape) => {
    const answer = await rawRequest(port, `GET /things/${badEscape} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "bad_request", Description: expect.stringContaining("thingId") });
  });

  it("decodes well-formed escapes in path parameters", async () => {
    const answer = await rawRequest(port, "GET /things/ivan%40example.org HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    expect(JSON.parse(answer.body).pathParameters).toEqual({ thingId: "ivan@example.org" });
  });

  it("refuses a declared Content-Length over the limit at once, without waiting for the body, and closes", async () => {
    // Only the head is sent: an answer can only come if the gateway does not wait for the body.
    const answer = await rawRequest(
      port,
      `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`,
    );

    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe("close");
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "payload_too_large" });
    await stillServing();
  });

  it("refuses an over-limit Content-Length before sending 100 Continue", async () => {
    const answer = await rawRequest(
      port,
      `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT * 1000}\r\nExpect: 100-continue\r\n\r\n`,
    );

    expect(answer.raw).not.toMatch(/^HTTP\/1\.1 100/);
    expect(answer.status).toBe(413);
  });

  it("still accepts a body within the limit, with and without 100 Continue", async () => {
    const body = JSON.stringify({ a: "x".repeat(100) });
    for (const expect100 of ["", "Expect: 100-continue\r\n"]) {
      const answer = await rawRequest(
        port,
        `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${expect100}Connection: close\r\n\r\n${body}`,
      );
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).bodyLength).toBe(body.length);
    }
  });

  it("refuses a chunked body that grows over the limit", async () => {
    const chunk = "x".repeat(LIMIT);
    const answer = await rawRequest(
      port,
      `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n1\r\nx\r\n`,
    );

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "payload_too_large" });
  });

  it("answers a request line it cannot parse with 400 and a JSON body", async () => {
    const answer = await rawRequest(port, "THIS IS NOT HTTP\r\n\r\n");

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "bad_request", Description: expect.any(String) });
    await stillServing();
  });

  it("answers a CONNECT request with 400 instead of closing in silence", async () => {
    const answer = await rawRequest(port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "bad_request", Description: expect.stringContaining("CONNECT") });
    await stillServing();
  });

  it.each(["/bad-status", "/bad-header", "/throws"])(
    "answers 500 with a JSON body when the handler's result at %s cannot be sent",
    async (path) => {
      const answer = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({ message: "Internal Server Error" }); // what API Gateway answers when a Lambda fails
      expect(answer.body).not.toContain("boom");
      await stillServing();
    },
  );

  // API Gateway answers with the body's length; a chunked answer is framing no client of the API would see.
  it.each([
    ["/things/abc", Buffer.from(JSON.stringify({ pathParameters: { thingId: "abc" }, bodyLength: 0 }))],
    ["/text", Buffer.from("déjà vu")],
    ["/binary", Buffer.from([0, 1, 2, 255])],
    ["/bare-string", Buffer.from('{"ok":true}')],
  ])("answers %s with its Content-Length in bytes, not a chunked body", async (path, bytes) => {
    const answer = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);

    expect(answer.status).toBe(200);
    expect(answer.headers["transfer-encoding"]).toBeUndefined();
    expect(answer.headers["content-length"]).toBe(String(bytes.length));
    expect(answer.raw.slice(answer.raw.indexOf("\r\n\r\n") + 4)).toBe(bytes.toString("latin1"));
  });

  it("answers a 204 with neither a body nor a length", async () => {
    const answer = await rawRequest(port, "DELETE /things/abc HTTP/1.1\r\nHost: x\r\n\r\n", { timeoutMs: 500 });

    expect(answer.status).toBe(204);
    expect(answer.headers["content-length"]).toBeUndefined();
    expect(answer.headers["transfer-encoding"]).toBeUndefined();
  });

  it("survives a client that goes away in the middle of a body", async () => {
    await rawRequest(port, 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"a":', {
      timeoutMs: 200,
      endAfterWrite: true,
    });

    await stillServing();
    expect(unhandled).toEqual([]);
  });
});
