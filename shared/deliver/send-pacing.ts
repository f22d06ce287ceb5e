// Sends to SES held to the account's own limits across every delivery worker (docs/deploy.md,
// "Pacing SES"). The rate is a shared budget per second in DynamoDB, leased by the same limiter
// as the API's per-account rate (shared/store/rate-limit.ts); the daily quota is checked against
// SES's own count. A send that finds no room waits a moment for the next second; past that it is
// held back: the message goes back to the queue with a delay, and it is not an attempt.
import { sleep } from "../lib/backoff.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { log } from "../log.ts";
import { SES_SEND_RATE_BUCKET } from "../store/keys.ts";
import type { RateLimiter } from "../store/rate-limit.ts";
import type { SendQuota, SendQuotaReader } from "../transport/ses-quota.ts";
import type { Throttle } from "../transport/transport.ts";

/** Go ahead, or come back after `delaySeconds`: "rate" when the second's budget is spent, "quota" when the day's is (or SES paused sending). */
export type PaceDecision = { go: true } | { go: false; throttle: Throttle; delaySeconds: number };

export interface SendPacer {
  /** Waits for room to send one message, a few seconds at most. */
  acquire(): Promise<PaceDecision>;
  /** SES refused a send anyway (another sender on the account, a quota just cut): when to try again. */
  refused(throttle: Throttle): PaceDecision & { go: false };
}

export interface SendPacerOptions {
  limiter: Pick<RateLimiter, "tryTake">;
  readQuota: SendQuotaReader;
  /** How long the quota read is used before SES is asked again. */
  quotaRefreshSeconds: number;
  /** A message held back by the rate comes back after this long, up to twice as long. */
  retrySeconds: number;
  /** Longest wait for room before the message is held back. */
  maxWaitMs?: number;
  now?: () => number;
  random?: () => number;
}

const DEFAULT_MAX_WAIT_MS = 3000;
/** SQS's longest delay: a paused delivery looks again this often (from two thirds of it on, spread). */
const QUOTA_RETRY_SECONDS = 900;

/** When to try again a message held back for `throttle`; spread, so held messages do not return together. */
export function holdFor(throttle: Throttle, retrySeconds: number, random: () => number = Math.random): PaceDecision & { go: false } {
  const delaySeconds =
    throttle === "quota"
      ? Math.round(QUOTA_RETRY_SECONDS * (2 / 3 + random() / 3))
      : Math.max(1, Math.round(retrySeconds * (1 + random())));
  return { go: false, throttle, delaySeconds };
}

export function makeSendPacer(options: SendPacerOptions): SendPacer {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const quotas = ttlCache<SendQuota>({ ttlMs: options.quotaRefreshSeconds * 1000, maxEntries: 1, now });
  /** The last quota read, and what this container sent since. */
  let current: { quota: SendQuota; sentSince: number } | undefined;
  /** SES itself said the day's quota is used up (or sending is paused): held until the next quota read. */
  let pausedAt: SendQuota | undefined;

  async function quota(): Promise<{ quota: SendQuota; sentSince: number }> {
    try {
      const read = await quotas.get("quota", options.readQuota);
      if (read !== current?.quota) current = { quota: read, sentSince: 0 };
    } catch (error) {
      // A failed read keeps the last one; without any, the message goes back to the queue (our failure).
      if (!current) throw error;
      log.warn("could not read the SES sending quota; the last one read stays in use", { error: String(error) });
    }
    return current!;
  }

  const dayIsUsedUp = ({ quota: q, sentSince }: { quota: SendQuota; sentSince: number }) =>
    q.max24HourSend >= 0 && q.sentLast24Hours + sentSince >= q.max24HourSend;

  return {
    async acquire() {
      const deadline = now() + maxWaitMs;
      for (;;) {
        const state = await quota();
        if (pausedAt === state.quota || dayIsUsedUp(state)) return holdFor("quota", options.retrySeconds, random);
        pausedAt = undefined;
        // SES gives a rate in messages a second, possibly fractional (the sandbox's is 1).
        const rate = Math.max(1, Math.floor(state.quota.maxSendRate));
        const second = Math.floor(now() / 1000);
        if (await options.limiter.tryTake(SES_SEND_RATE_BUCKET, rate, now())) {
          // A grant that came back after its second ended would send in the next second, on top
          // of that second's own budget: it is let go, and the next second asked instead.
          if (Math.floor(now() / 1000) === second) {
            state.sentSince++;
            return { go: true };
          }
          continue;
        }
        // The second's budget is spent: the next second brings a new one.
        const nextSecond = (Math.floor(now() / 1000) + 1) * 1000 + Math.floor(random() * 50);
        if (nextSecond > deadline) return holdFor("rate", options.retrySeconds, random);
        await sleep(nextSecond - now());
      }
    },

    refused(throttle) {
      if (throttle === "quota") pausedAt = current?.quota;
      return holdFor(throttle, options.retrySeconds, random);
    },
  };
}
