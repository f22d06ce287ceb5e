// The tracking and unsubscribe settings of an account, as the delivery worker and the web
// version need them for every message: read once and kept briefly per container, so a busy
// account costs one read a minute, not one a message. A change therefore bites within a minute.
import type { AccountStore } from "./accounts.ts";
import type { AccountPolicy } from "../domain/account.ts";

const CACHE_MS = 60_000;
const CACHE_MAX = 1000;
const cache = new Map<string, { policy: AccountPolicy; until: number }>();

export async function accountPolicy(accounts: Pick<AccountStore, "getAccount">, accountId: string, now = Date.now()): Promise<AccountPolicy> {
  const hit = cache.get(accountId);
  if (hit && hit.until > now) return hit.policy;
  const account = await accounts.getAccount(accountId);
  const policy: AccountPolicy = {
    trackOpens: account?.trackOpens,
    trackLinks: account?.trackLinks,
    allowSkipUnsubscribe: account?.allowSkipUnsubscribe,
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(accountId, { policy, until: now + CACHE_MS });
  return policy;
}
