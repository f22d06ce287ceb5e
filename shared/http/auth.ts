// Who is calling: `Authorization: Key <api-key>` (Devino) or `Bearer <api-key>`, then the
// account's IP allowlist and its request rate.
import { BlockList, isIP } from "node:net";
import { AppError } from "../domain/errors.ts";
import type { AccountStore, Caller } from "../store/accounts.ts";
import { DEFAULT_RATE_PER_SECOND, type RateLimiter } from "../store/rate-limit.ts";

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

export function isAllowedIp(allowlist: string[] | undefined, ip: string): boolean {
  if (!allowlist || allowlist.length === 0) return true;
  const blocks = new BlockList();
  for (const entry of allowlist) {
    const [address, bits] = entry.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) blocks.addAddress(address, family);
    else blocks.addSubnet(address, Number(bits), family);
  }
  const plain = ip.replace(/^::ffff:/, "");
  return blocks.check(plain, isIP(plain) === 6 ? "ipv6" : "ipv4");
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
