// Two ways to load an HTTP endpoint. Saturation: autocannon with N connections, each sending the
// next request as soon as the last is answered. Fixed rate: an open-loop sender that starts one
// request every 1/rate seconds whatever the answers do (autocannon's rate limit sends each
// second's quota in a burst), and measures latency from the scheduled start, so a slow server
// cannot hide its queue (no coordinated omission).
import { Agent, request } from "node:http";
import autocannon from "autocannon";
import { round } from "./stats.ts";

export interface Target {
  url: string;
  headers: Record<string, string>;
}

export interface SaturationResult {
  ok: number;
  failed: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function saturate(
  target: Target,
  body: string,
  options: { connections: number; seconds?: number; amount?: number },
): Promise<SaturationResult> {
  const result = await autocannon({
    url: target.url,
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    body,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    timeout: 30,
  });
  const ok = result["2xx"];
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
    requestsPerSecond: round(ok / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

export interface Paced<T> {
  index: number;
  /** Epoch ms at which the operation was due to start. */
  scheduledAt: number;
  /** From the scheduled start to the operation's end. */
  latencyMs: number;
  value: T;
}

/** Starts `operation(i)` for i = 0..count-1, one every 1/rate seconds, and waits for them all. */
export async function runAtFixedRate<T>(
  options: { rate: number; count: number },
  operation: (index: number) => Promise<T>,
): Promise<Paced<T>[]> {
  const interval = 1000 / options.rate;
  const start = performance.now() + 20;
  const started: Promise<Paced<T>>[] = [];
  const run = async (index: number, due: number): Promise<Paced<T>> => {
    const value = await operation(index);
    return { index, scheduledAt: performance.timeOrigin + due, latencyMs: performance.now() - due, value };
  };
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < options.count && start + next * interval <= now) {
        started.push(run(next, start + next * interval));
        next++;
      }
      if (next >= options.count) return resolve();
      setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  return Promise.all(started);
}

export interface PostResult {
  /** 0 when the connection failed. */
  status: number;
  body: string;
}

/** A keep-alive HTTP client for JSON POSTs, as an API client library would use. */
export function jsonPoster(target: Target, maxSockets = 50) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL(target.url);
  return {
    post: (payload: string) =>
      new Promise<PostResult>((resolve) => {
        const req = request(
          url,
          {
            method: "POST",
            agent,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...target.headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", () => resolve({ status: 0, body: "" }));
          },
        );
        req.on("error", () => resolve({ status: 0, body: "" }));
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

export async function postAtFixedRate(
  target: Target,
  bodyFor: (index: number) => string,
  options: { rate: number; count: number },
): Promise<Paced<PostResult>[]> {
  const client = jsonPoster(target);
  try {
    return await runAtFixedRate(options, (index) => client.post(bodyFor(index)));
  } finally {
    client.close();
  }
}
