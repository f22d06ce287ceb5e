// What every request asks of an account, kept briefly per container: the caller an API key names,
// the account's verified domains and senders, and its tracking and unsubscribe policy. A busy
// client sends many messages a second over one key, and each would otherwise cost several
// reads. So a change bites within the TTL in a running container: a revoked key or a removed
// domain after 30 seconds, a tracking switch after a minute.
import { domainOf } from "../domain/address.ts";
import type { AccountPolicy, Caller } from "../domain/account.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { hashApiKey, type AccountStore } from "./accounts.ts";

export interface AccountCacheOptions {
  /** Callers, domains and senders. */
  ttlMs?: number;
  /** Tracking and unsubscribe settings, read by the worker for every message. */
  policyTtlMs?: number;
}

const MAX_ENTRIES = 10_000;

export function makeAccountCache(accounts: AccountStore, options: AccountCacheOptions = {}) {
  const ttlMs = options.ttlMs ?? 30_000;
  const callers = ttlCache<Caller | undefined>({ ttlMs, maxEntries: MAX_ENTRIES });
  const domains = ttlCache<ReadonlySet<string>>({ ttlMs, maxEntries: MAX_ENTRIES });
  const senders = ttlCache<boolean>({ ttlMs, maxEntries: MAX_ENTRIES });
  const policies = ttlCache<AccountPolicy>({ ttlMs: options.policyTtlMs ?? 60_000, maxEntries: MAX_ENTRIES });

  const verifiedDomains = (accountId: string) =>
    domains.get(accountId, async () => new Set((await accounts.listDomains(accountId)).filter((d) => d.verified).map((d) => d.domain)));

  const isVerifiedSender = (accountId: string, address: string) =>
    senders.get(`${accountId}\n${address.toLowerCase()}`, async () => {
      if ((await verifiedDomains(accountId)).has(domainOf(address))) return true;
      return accounts.isVerifiedSender(accountId, address);
    });

  return {
    /** The owner of an API key; an unknown key is not remembered, so a new key works at once. */
    findCaller: (apiKey: string) =>
      callers.get(
        hashApiKey(apiKey),
        () => accounts.findCallerByApiKey(apiKey),
        (caller) => caller !== undefined,
      ),
    verifiedDomains,
    isVerifiedSender,
    /** Why a refused sender's domain may not send (read only when refusing, so never cached). */
    senderDomainProblem: (accountId: string, address: string) => accounts.senderDomainProblem(accountId, address),
    /** The tracking and unsubscribe settings of an account, and of the message's project when it has one. */
    policy: (accountId: string, projectId?: string) =>
      policies.get(`${accountId}\n${projectId ?? ""}`, async () => {
        const [account, project] = await Promise.all([
          accounts.getAccount(accountId),
          projectId ? accounts.getProject(accountId, projectId) : undefined,
        ]);
        return {
          trackOpens: account?.trackOpens,
          trackLinks: account?.trackLinks,
          allowSkipUnsubscribe: account?.allowSkipUnsubscribe,
          forceSkipUnsubscribe: account?.forceSkipUnsubscribe === true || project?.forceSkipUnsubscribe === true,
        };
      }),
  };
}

export type AccountCache = ReturnType<typeof makeAccountCache>;
