// Raw HTTP over a TCP socket, for requests no HTTP client would send: broken request lines and
// targets, lying Content-Length headers, truncated bodies.
import net from "node:net";

export interface RawAnswer {
  /** Undefined when the server closed the connection without answering. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, as text. */
  raw: string;
}

/**
 * Sends `request` as is, then reads one answer: until its Content-Length (or chunked end) is
 * reached, or the server closes, or `timeoutMs` passes (then `status` is undefined if nothing came).
 * With `endAfterWrite` the client half-closes after writing (a body shorter than declared stays short).
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  options: { timeoutMs?: number; endAfterWrite?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(received));
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 5_000);
    socket.on("connect", () => {
      socket.write(request);
      if (options.endAfterWrite) socket.end();
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (isComplete(received)) finish();
    });
    // A reset after the answer (the server closing on an unread body) is not a failure of the answer.
    socket.on("error", finish);
    socket.on("close", finish);
  });
}

function split(received: Buffer) {
  const end = received.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const head = received.subarray(0, end).toString("latin1");
  const [statusLine, ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]) || undefined;
  return { status, headers, body: received.subarray(end + 4) };
}

function dechunk(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (body.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The final answer, past any interim 100 Continue. */
function finalAnswer(received: Buffer) {
  let answer = split(received);
  while (answer?.status === 100) answer = split(answer.body);
  return answer;
}

function isComplete(received: Buffer): boolean {
  const answer = finalAnswer(received);
  if (!answer) return false;
  if (answer.status === 204 || answer.status === 304) return true;
  if (answer.headers["content-length"] !== undefined) return answer.body.length >= Number(answer.headers["content-length"]);
  if (/chunked/i.test(answer.headers["transfer-encoding"] ?? "")) return dechunk(answer.body) !== undefined;
  return false; // the body runs until the server closes
}

function parseAnswer(received: Buffer): RawAnswer {
  const answer = finalAnswer(received);
  if (!answer) return { headers: {}, body: "", raw: received.toString("latin1") };
  const chunked = /chunked/i.test(answer.headers["transfer-encoding"] ?? "");
  const body = (chunked ? dechunk(answer.body) : undefined) ?? answer.body;
  const length = answer.headers["content-length"];
  return {
    status: answer.status,
    headers: answer.headers,
    body: (length !== undefined && !chunked ? body.subarray(0, Number(length)) : body).toString("utf8"),
    raw: received.toString("latin1"),
  };
}
