// Who is calling: `Authorization: Key <api-key>` (Devino) or `Bearer <api-key>`, then the
// account's IP allowlist and its request rate.
import { AppError } from "../domain/errors.ts";
import type { AccountCache } from "../store/account-cache.ts";
import { DEFAULT_RATE_PER_SECOND, type RateLimiter } from "../store/rate-limit.ts";
import { isAllowedIp, type Caller } from "../domain/account.ts";

export interface AuthDeps {
  /** Callers by API key, cached (a revoked key takes up to the cache's TTL to stop working in a warm container). */
  accountCache: Pick<AccountCache, "findCaller">;
  /** The account's requests a second: the shared counter in the table, or a container's own count on read routes (memory-rate-limit.ts). */
  rateLimiter?: Pick<RateLimiter, "tryTake">;
}

export function apiKeyFrom(header: string | undefined): string | undefined {
  const match = /^(?:Key|Bearer)\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** The key an Authorization header carries and, for schemes that name one (Basic), the account or project id it must belong to. */
export interface Credentials {
  apiKey: string;
  principal?: string;
}

export type CredentialsReader = (authorization: string | undefined) => Credentials | undefined;

const keyOrBearer: CredentialsReader = (header) => {
  const apiKey = apiKeyFrom(header);
  return apiKey ? { apiKey } : undefined;
};

export async function authenticate(
  deps: AuthDeps,
  authorization: string | undefined,
  sourceIp: string,
  readCredentials: CredentialsReader = keyOrBearer,
): Promise<Caller> {
  const credentials = readCredentials(authorization);
  const found = credentials ? await deps.accountCache.findCaller(credentials.apiKey) : undefined;
  // A Basic login's user name must be the key's own account or project: a key is not a login for someone else's id.
  const caller =
    found &&
    (credentials?.principal === undefined || credentials.principal === found.accountId || credentials.principal === found.projectId)
      ? found
      : undefined;
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
