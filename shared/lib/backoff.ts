// Retrying what a service left undone (DynamoDB's unprocessed items, SQS's failed entries) with
// exponential backoff and full jitter, so many callers that failed together do not retry together.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before retry `retry` (from 1): a random time up to base x 2^(retry-1). */
export const backoffMs = (retry: number, baseMs: number, random: () => number = Math.random) =>
  Math.round(random() * baseMs * 2 ** (retry - 1));

export interface RetryOptions {
  /** Calls in all, the first included. */
  attempts: number;
  baseMs: number;
  /** What is being sent, for the error: "DynamoDB items", "delivery jobs". */
  what: string;
}

/**
 * Calls `send` with what is still pending until nothing is left; `send` returns the leftovers.
 * Throws when something is still left after the last attempt.
 */
export async function untilAllDone<T>(initial: T[], send: (pending: T[]) => Promise<T[]>, options: RetryOptions): Promise<void> {
  let pending = initial;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > options.attempts) throw new Error(`${pending.length} ${options.what} still refused after ${options.attempts} attempts`);
    if (attempt > 1) await sleep(backoffMs(attempt - 1, options.baseMs));
    pending = await send(pending);
  }
}
