// What the accept rules of both doors need to know about an account (verified domains, verified senders),
// cached for a short while: a busy client sends many messages a second over one login, and
// each would otherwise cost several reads. Like the API key cache (shared/http/auth.ts), a
// domain removed from an account takes up to this long to stop working in a running server.
import { domainOf } from "../domain/address.ts";
import type { AccountStore } from "./accounts.ts";

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: Promise<T>;
  until: number;
}

function cached<T>(map: Map<string, Entry<T>>, key: string, load: () => Promise<T>, ttlMs: number): Promise<T> {
  const now = Date.now();
  const hit = map.get(key);
  if (hit && hit.until > now) return hit.value;
  if (map.size >= MAX_ENTRIES) map.clear();
  const value = load();
  map.set(key, { value, until: now + ttlMs });
  value.catch(() => map.delete(key)); // a failed read is not remembered
  return value;
}

export function makeAccountFacts(accounts: AccountStore, ttlMs = TTL_MS) {
  const domains = new Map<string, Entry<ReadonlySet<string>>>();
  const senders = new Map<string, Entry<boolean>>();

  const verifiedDomains = (accountId: string) =>
    cached(domains, accountId, async () => new Set((await accounts.listDomains(accountId)).filter((d) => d.verified).map((d) => d.domain)), ttlMs);

  const isVerifiedSender = (accountId: string, address: string) =>
    cached(senders, `${accountId}\n${address.toLowerCase()}`, async () => {
      if ((await verifiedDomains(accountId)).has(domainOf(address))) return true;
      return accounts.isVerifiedSender(accountId, address);
    }, ttlMs);

  return {
    verifiedDomains,
    isVerifiedSender,
    /** The account store the accept path gets: the same, with the sender check served from this cache. */
    accounts: { ...accounts, isVerifiedSender } as AccountStore,
  };
}

export type AccountFactsCache = ReturnType<typeof makeAccountFacts>;
