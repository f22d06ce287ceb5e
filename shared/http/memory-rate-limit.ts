// The request rate of the read routes, counted in this container's memory: a read route must not
// need write access to the table, and the shared counter (shared/store/rate-limit.ts) is a write.
// Locally every request goes through one process, so this is the account's rate exactly; on AWS
// each container counts its own requests, and API Gateway's route throttles cap the whole
// (docs/http-api.md, rate limit).

const MAX_ACCOUNTS = 10_000;

export function makeMemoryRateLimiter() {
  const windows = new Map<string, { second: number; used: number }>();
  return {
    /** True when the request fits in this second's budget; counts it if so. */
    async tryTake(accountId: string, limitPerSecond: number, now = Date.now()): Promise<boolean> {
      const second = Math.floor(now / 1000);
      let window = windows.get(accountId);
      if (!window || window.second !== second) {
        if (windows.size >= MAX_ACCOUNTS) windows.clear();
        window = { second, used: 0 };
        windows.set(accountId, window);
      }
      if (window.used >= limitPerSecond) return false;
      window.used++;
      return true;
    },
  };
}
