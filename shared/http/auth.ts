// Who is calling: `Authorization: Key <api-key>` (Devino) or `Bearer <api-key>`, then the
// account's IP allowlist and its request rate.
import { AppError } from "../domain/errors.ts";
import type { AccountStore } from "../store/accounts.ts";
import { DEFAULT_RATE_PER_SECOND, type RateLimiter } from "../store/rate-limit.ts";
import type { Caller } from "../domain/account.ts";
import { isAllowedIp } from "../domain/account.ts";

export interface AuthDeps {
  accounts: AccountStore;
  rateLimiter?: RateLimiter;
}

// A key lookup costs two reads; keep answers briefly so a busy client does not pay it on every call.
// Revoking a key therefore takes up to this long to bite in a warm container.
const CACHE_MS = 30_000;
const cache = new Map<string, { caller: Caller; until: number }>();

export function apiKeyFrom(header: string | undefined): string | undefined {
  const match = /^(?:Key|Bearer)\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

export async function findCaller(accounts: AccountStore, apiKey: string, now = Date.now()): Promise<Caller | undefined> {
  const hit = cache.get(apiKey);
  if (hit && hit.until > now) return hit.caller;
  const caller = await accounts.findCallerByApiKey(apiKey);
  if (caller) {
    if (cache.size > 1000) cache.clear();
    cache.set(apiKey, { caller, until: now + CACHE_MS });
  }
  return caller;
}

export async function authenticate(deps: AuthDeps, authorization: string | undefined, sourceIp: string): Promise<Caller> {
  const apiKey = apiKeyFrom(authorization);
  const caller = apiKey ? await findCaller(deps.accounts, apiKey) : undefined;
  if (!caller) throw new AppError("unauthorized", { headers: { "www-authenticate": 'Key realm="posthaste"' } });
  if (!isAllowedIp(caller.account.ipAllowlist, sourceIp)) throw new AppError("forbidden_ip");
  if (deps.rateLimiter) {
    const limit = caller.account.rateLimitPerSecond ?? DEFAULT_RATE_PER_SECOND;
    if (limit > 0 && !(await deps.rateLimiter.tryTake(caller.accountId, limit))) {
      throw new AppError("rate_limited", { headers: { "retry-after": "1" } });
    }
  }
  return caller;
}
