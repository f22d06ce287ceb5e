// Hostile bytes at the HTTP door of `npm start`: a few hundred malformed requests, made by a seeded
// generator (FUZZ_SEED=<n> replays a run), sent over raw TCP. Whatever comes in, the platform keeps
// running, and every answer is an error a person can read, never an empty one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";
import { rawRequest, type RawAnswer } from "../support/raw-http.ts";

const COUNT = Number(process.env.FUZZ_COUNT ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_301);
/** The platform's default LIMIT_REQUEST_BYTES. */
const LIMIT = 10 * 1024 * 1024;

/** mulberry32: small, seedable, good enough to spread cases. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  const chars = (alphabet: string, length: number) => Array.from({ length }, () => pick([...alphabet])).join("");
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(0, 255)));
  return { next, int, pick, chars, bytes };
}
type Random = ReturnType<typeof random>;

interface Case {
  kind: string;
  request: Buffer;
  /** The server may close without answering (the client stopped mid-body). */
  mayGoUnanswered?: boolean;
  /** The exact status the case must get, when it is certain. */
  status?: number;
}

const PRINTABLE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?#[]%\"<>\\^`{|}";
const BAD_TARGETS = [
  "http://[",
  "http://a:99999/",
  "http://%zz/",
  "//[::1",
  "http://a%20b/",
  "http://",
  "//",
  "http://[::1",
  "http://a:b/",
  "https://user@[v1.x]/",
  "//%zz",
  "http://a b/",
];
const PARAM_ROUTES = [
  "GET /email/messages/",
  "GET /suppressions/",
  "DELETE /suppressions/",
  "DELETE /webhooks/",
  "POST /webhooks/{}/rotate-secret",
  "GET /u/",
  "POST /u/",
  "GET /w/",
  "GET /t/o/",
  "GET /t/c/",
];
const BAD_ESCAPES = ["%zz", "%E0%A4%A", "%", "%%", "%c0%af", "%ff", "%ED%A0%80", "abc%", "%2", "%F0%9F%98", "%80"];
const JSON_ROUTES = ["/email/messages", "/suppressions", "/webhooks"];
// No HEAD: its answers have no body by definition.
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "get", "FOO", "G T", "POST\t", "", "PRI"];

const text = (s: string) => Buffer.from(s, "latin1");
const head = (line: string, headers: string[]) => `${line}\r\n${["Host: localhost", ...headers].join("\r\n")}\r\n\r\n`;

/** Values of the wrong type, or of the right type and wrong content: never a valid address or URL. */
function wrongValue(r: Random, depth = 0): unknown {
  const choice = r.int(0, depth > 2 ? 6 : 9);
  switch (choice) {
    case 0:
      return null;
    case 1:
      return r.pick([0, -1, 1e308, -0, 2 ** 53 + 1, 3.5]);
    case 2:
      return r.pick([true, false]);
    case 3:
      return r.chars("abc xyz<>\"'\\\u0000\u00e9\u{1F600}", r.int(0, 40));
    case 4:
      return "x".repeat(r.int(1000, 100_000));
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return Array.from({ length: r.int(1, 4) }, () => wrongValue(r, depth + 1));
    case 8:
      return Object.fromEntries(
        Array.from({ length: r.int(1, 4) }, () => [
          r.pick(["Address", "Email", "Url", "Html", "__proto__", "constructor", ""]),
          wrongValue(r, depth + 1),
        ]),
      );
    default:
      return { Address: wrongValue(r, depth + 1) };
  }
}

function badJsonBody(r: Random): string {
  const valid = JSON.stringify({
    Recipients: [{ Address: "a@example.org" }],
    Sender: { Address: "news@example.com" },
    Subject: "s",
    Body: { PlainText: "x" },
  });
  switch (r.int(0, 6)) {
    case 0:
      return valid.slice(0, r.int(0, valid.length - 1)); // truncated
    case 1:
      return r.bytes(r.int(1, 200)).toString("latin1"); // garbage
    case 2:
      return "[".repeat(r.int(1000, 50_000)); // deep and unclosed
    case 3:
      return JSON.stringify(wrongValue(r));
    case 4:
      return `{"Recipients":${"[".repeat(5000)}${"]".repeat(5000)},"Sender":1}`;
    case 5:
      return valid.replace("{", "{,").replace(/"/g, r.pick(["'", "", '"']));
    default:
      // Every field of the send request, each of a wrong type or content.
      return JSON.stringify({
        Recipients: wrongValue(r),
        Sender: wrongValue(r),
        Subject: wrongValue(r),
        Body: wrongValue(r),
        Email: wrongValue(r),
        Url: wrongValue(r),
        Cause: wrongValue(r),
      });
  }
}

function makeCase(r: Random, apiKey: string): Case {
  const auth = r.next() < 0.8 ? [`Authorization: Key ${apiKey}`] : [];
  switch (r.pick(["target", "target", "line", "headers", "json", "json", "json", "huge", "truncated", "escape", "escape"] as const)) {
    case "target": {
      const target = r.next() < 0.5 ? r.pick(BAD_TARGETS) : r.pick(["http://", "//", "http://[", "/"]) + r.chars(PRINTABLE, r.int(1, 60));
      return { kind: "request target", request: text(head(`${r.pick(["GET", "POST", "DELETE"])} ${target} HTTP/1.1`, auth)) };
    }
    case "line": {
      const line = r.pick([
        () =>
          r
            .bytes(r.int(1, 300))
            .toString("latin1")
            .replace(/\r\n\r\n/g, ""),
        () =>
          `${r.pick(METHODS)} ${r.pick(["/email/messages", "*", "", " / ", "/\u0000"])} ${r.pick(["HTTP/1.1", "HTTP/9.9", "HTTP/1", "HTTP/1.1 extra", "", "HTTP/1.1\u0000", "http/1.1"])}`,
        () => `GET /${"a".repeat(r.int(10_000, 100_000))} HTTP/1.1`,
        () => r.chars(`${PRINTABLE} \t`, r.int(1, 80)),
      ])();
      return { kind: "request line", request: text(`${line}\r\nHost: localhost\r\n\r\n`) };
    }
    case "headers": {
      const broken = r.pick([
        "NoColonHere",
        " Leading-Space: x",
        "Bad Name: x",
        "X-Nul: a\u0000b",
        "Content-Length: -1",
        "Content-Length: abc",
        "Content-Length: 1, 2",
        "Content-Length: 5\r\nContent-Length: 6",
        "Transfer-Encoding: chunked\r\nContent-Length: 5",
        "Transfer-Encoding: gzip",
        "Transfer-Encoding: chunked, identity",
        "X-Folded: a\r\n b",
        `X-Huge: ${"h".repeat(r.int(20_000, 80_000))}`,
        ":empty-name",
        `${r.chars(PRINTABLE, r.int(1, 20))}: ${r
          .bytes(r.int(1, 20))
          .toString("latin1")
          .replace(/[\r\n]/g, "")}`,
      ]);
      return {
        kind: "headers",
        request: text(`${head("POST /email/messages HTTP/1.1", [...auth, "Content-Type: application/json", broken])}{}`),
      };
    }
    case "json": {
      const body = Buffer.from(badJsonBody(r), "utf8");
      const type = r.pick([
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "",
      ]);
      return {
        kind: "body",
        request: Buffer.concat([
          text(
            head(`POST ${r.pick(JSON_ROUTES)} HTTP/1.1`, [
              ...auth,
              ...(type ? [`Content-Type: ${type}`] : []),
              `Content-Length: ${body.length}`,
            ]),
          ),
          body,
        ]),
      };
    }
    case "huge": {
      const length = r.pick([LIMIT + 1, LIMIT * 100, 2 ** 40, Number.MAX_SAFE_INTEGER]);
      return {
        kind: "huge Content-Length",
        request: text(
          `${head(`POST ${r.pick(JSON_ROUTES)} HTTP/1.1`, [...auth, "Content-Type: application/json", `Content-Length: ${length}`])}{`,
        ),
        status: 413,
      };
    }
    case "truncated": {
      const body = badJsonBody(r).slice(0, 100);
      return {
        kind: "truncated body",
        request: text(
          head(`POST ${r.pick(JSON_ROUTES)} HTTP/1.1`, [
            ...auth,
            "Content-Type: application/json",
            `Content-Length: ${body.length + r.int(1, 10_000)}`,
          ]) + body,
        ),
        mayGoUnanswered: true,
      };
    }
    case "escape": {
      const route = r.pick(PARAM_ROUTES);
      // Nothing after the escape may complete it into a valid one: no hex digits.
      const badEscape =
        r.next() < 0.7 ? r.pick(BAD_ESCAPES) : `${r.chars("abc", r.int(0, 5))}${r.pick(BAD_ESCAPES)}${r.chars("xyz%", r.int(0, 5))}`;
      const [method, path] = route.split(" ");
      const target = path.includes("{}") ? path.replace("{}", badEscape) : `${path}${badEscape}`;
      return {
        kind: "path parameter escape",
        request: text(head(`${method} ${target} HTTP/1.1`, [...auth, "Content-Length: 0"])),
        status: 400,
      };
    }
  }
}

/** What a person reading the answer gets: JSON naming the error, or some words. */
function readable(answer: RawAnswer): boolean {
  const body = answer.body.trim();
  if (!body) return false;
  if (/json/.test(answer.headers["content-type"] ?? "")) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      return (typeof parsed.Code === "string" && typeof parsed.Description === "string") || typeof parsed.message === "string";
    } catch {
      return false;
    }
  }
  return /[a-z]{3}/i.test(body);
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe(`the HTTP gateway under malformed requests (FUZZ_SEED=${SEED})`, () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startPlatformProcess();
  });
  afterAll(async () => platform?.stop());

  it(`answers ${COUNT} malformed requests with readable errors and keeps running`, async () => {
    const r = random(SEED);
    const port = Number(new URL(platform.info.apiUrl).port);
    const problems: string[] = [];
    const tally = new Map<string, number>();

    for (let i = 0; i < COUNT; i++) {
      const testCase = makeCase(r, platform.info.apiKey);
      // A client that stops mid-body also half-closes, so the server sees the request end short.
      const answer = await rawRequest(port, testCase.request, { endAfterWrite: testCase.mayGoUnanswered, timeoutMs: 10_000 });
      const shown = `#${i} ${testCase.kind}: ${JSON.stringify(testCase.request.subarray(0, 160).toString("latin1"))} -> ${JSON.stringify(answer.raw.slice(0, 300))}`;
      tally.set(`${testCase.kind} ${answer.status ?? "none"}`, (tally.get(`${testCase.kind} ${answer.status ?? "none"}`) ?? 0) + 1);
      if (answer.status === undefined) {
        if (!testCase.mayGoUnanswered || answer.raw) problems.push(`no answer: ${shown}`);
      } else if (answer.status < 400 || answer.status > 499) {
        problems.push(`status ${answer.status} (a client error must get a 4xx): ${shown}`);
      } else if (testCase.status !== undefined && answer.status !== testCase.status) {
        problems.push(`status ${answer.status}, expected ${testCase.status}: ${shown}`);
      } else if (!readable(answer)) {
        problems.push(`unreadable answer: ${shown}`);
      }
      if (platform.process.exitCode !== null) problems.push(`the platform exited after ${shown}`);
      if (platform.process.exitCode !== null) break;
    }

    expect(problems, `FUZZ_SEED=${SEED}; answers by kind: ${JSON.stringify(Object.fromEntries(tally))}`).toEqual([]);
    expect(platform.process.exitCode).toBeNull();
    expect(isAlive(platform.info.pid)).toBe(true);
    expect(isAlive(platform.info.standInsPid)).toBe(true);
    const sent = await api(platform.info).post("/email/messages", {
      Recipients: [{ Address: "after-fuzz@example.org" }],
      Sender: { Address: "news@example.com" },
      Subject: "Still here",
      Body: { PlainText: "Hi" },
    });
    expect(sent.status).toBe(200);
    expect(sent.json.Result[0]).toMatchObject({ Code: "ok" });
  }, 300_000);
});
