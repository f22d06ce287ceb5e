// Posts one signed JSON body to one URL and says whether it was taken. Redirects are not
// followed (a 3xx is an answer that is not 2xx). On AWS the connection may only go to public
// addresses, checked at connect time (see url-policy.ts).
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { bareHost, BlockedAddressError, guardedLookup, isBlockedAddress, type Resolver, type UrlPolicyMode } from "./url-policy.ts";

export type PostResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string /** The policy refused the address: retrying will not help. */; refused?: boolean };

export interface PostOptions {
  mode: UrlPolicyMode;
  timeoutMs: number;
  headers: Record<string, string>;
  /** Tests replace DNS to check the rebinding guard. */
  resolve?: Resolver;
}

export type WebhookPoster = (url: string, body: string, options: PostOptions) => Promise<PostResult>;

const USER_AGENT = "Posthaste-Webhooks/1";
/** Enough of an answer for a log line; the rest is read and dropped. */
const KEPT_ANSWER_BYTES = 512;

export const postWebhook: WebhookPoster = (url, body, options) =>
  new Promise<PostResult>((resolve) => {
    const target = new URL(url);
    const host = bareHost(target.hostname);
    if (options.mode === "aws" && isIP(host) && isBlockedAddress(host)) {
      resolve({ ok: false, error: `${host} is not an address webhooks may reach`, refused: true });
      return;
    }
    const client = target.protocol === "https:" ? https : http;
    const request = client.request(target, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "user-agent": USER_AGENT,
        ...options.headers,
      },
      signal: AbortSignal.timeout(options.timeoutMs),
      agent: false,
      ...(options.mode === "aws" ? { lookup: guardedLookup(options.resolve) } : {}),
    });
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve({ ok: true, status });
        response.resume();
        return;
      }
      let answer = "";
      const done = () => {
        resolve({ ok: false, status, error: `HTTP ${status}${answer ? `: ${answer.trim()}` : ""}` });
        response.destroy();
      };
      response.on("data", (chunk: Buffer) => {
        answer += chunk.toString("utf8").slice(0, KEPT_ANSWER_BYTES - answer.length);
        if (answer.length >= KEPT_ANSWER_BYTES) done();
      });
      response.on("end", done);
      response.on("error", done);
    });
    request.on("error", (error) => {
      const refused = error instanceof BlockedAddressError || (error as { cause?: unknown }).cause instanceof BlockedAddressError;
      const timedOut = error.name === "AbortError" || error.name === "TimeoutError";
      resolve({ ok: false, refused, error: timedOut ? `no answer within ${options.timeoutMs} ms` : error.message });
    });
    request.end(body);
  });
