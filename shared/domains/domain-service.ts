// Sending domains, self-service (docs/domains.md): add one and get the DNS records to publish,
// check them now or on the daily schedule, remove it. A domain may send while its DKIM record
// and return path check out; when a verified domain's records disappear it stops sending and
// its owner is told (the webhook event domain.verification_failed).
import { AppError } from "../domain/errors.ts";
import type { Caller } from "../domain/account.ts";
import {
  maySend,
  REQUIRED_PURPOSES,
  type DomainIdentities,
  type DomainStatus,
  type DomainWebhookEvent,
  type RecordState,
  type SendingDomain,
} from "../domain/sending-domain.ts";
import { concurrencyLimit } from "../lib/concurrency.ts";
import { log } from "../log.ts";
import type { SendingDomainStore } from "../store/sending-domains.ts";
import { makeDkimKeyPair, type KeySealer } from "./dkim-keys.ts";
import type { DnsLookup } from "./dns-lookup.ts";
import { sendingDomainName } from "./names.ts";
import { checkRecord, dkimSelector, recordsFor, type RecordSettings } from "./records.ts";

export interface DomainDeps {
  store: SendingDomainStore;
  dns: DnsLookup;
  sealer: KeySealer;
  settings: RecordSettings;
  /** With the SES transport: the SES identity of each domain. */
  identities?: DomainIdentities;
  /** Posts domain.verification_failed to the account's webhook URLs. */
  notify(accountId: string, event: DomainWebhookEvent): Promise<void>;
  now?: () => number;
}

/** Domains belong to the account: a project key may read them, not change them. */
function requireAccountKey(caller: Caller) {
  if (caller.projectId) throw new AppError("forbidden", { message: "Sending domains belong to the account: use an account API key" });
}

const notFound = (domain: string) =>
  new AppError("not_found", { message: `Domain ${domain} was not found`, reasons: [{ key: "not_found", ref: "domain" }] });

const taken = (domain: string) =>
  new AppError("conflict", {
    message: `${domain} is already verified by another account`,
    reasons: [{ key: "domain_taken", ref: "Domain" }],
  });

export interface AddDomainOptions {
  /** The admin CLI's domain add: may send before (and whatever) DNS says. */
  operatorVerified?: boolean;
}

/** Adds a domain (or gives a key and records to one the admin CLI added before) and checks its records at once. */
export async function addDomain(deps: DomainDeps, accountId: string, name: string, options: AddDomainOptions = {}): Promise<SendingDomain> {
  const domain = sendingDomainName(name);
  const owner = await deps.store.ownerOf(domain);
  if (owner && owner !== accountId) throw taken(domain);
  const existing = await deps.store.get(accountId, domain);
  if (existing?.dkim) {
    throw new AppError("conflict", {
      message: `${domain} is already a domain of this account: GET /domains/${domain} shows its records`,
      reasons: [{ key: "duplicate", ref: "Domain" }],
    });
  }
  const now = (deps.now ?? Date.now)();
  const keys = await makeDkimKeyPair();
  const dkim = { selector: dkimSelector(now), publicKey: keys.publicKey, sealedPrivateKey: deps.sealer.seal(keys.privateKeyPem) };
  const added: SendingDomain = {
    accountId,
    domain,
    status: "pending",
    operatorVerified: options.operatorVerified || existing?.operatorVerified || undefined,
    dkim,
    records: recordsFor(domain, dkim, deps.settings),
    ...(deps.identities ? { identity: { provider: "ses" as const, state: "unknown" as RecordState } } : {}),
    createdAt: existing?.createdAt || now,
  };
  if (!(await deps.store.save(added, { create: true })))
    throw new AppError("conflict", { message: `${domain} was added by another request`, reasons: [{ key: "duplicate", ref: "Domain" }] });
  await deps.identities?.put(domain, { selector: dkim.selector, privateKeyPem: keys.privateKeyPem });
  return (await check(deps, added)).domain;
}

export async function createDomain(deps: DomainDeps, caller: Caller, input: unknown): Promise<SendingDomain> {
  requireAccountKey(caller);
  return addDomain(deps, caller.accountId, (input as { Domain?: unknown } | undefined)?.Domain as string);
}

export async function getDomain(deps: Pick<DomainDeps, "store">, caller: Caller, name: string): Promise<SendingDomain> {
  const found = await deps.store.get(caller.accountId, name.trim().toLowerCase());
  if (!found) throw notFound(name);
  return found;
}

export async function listDomains(deps: Pick<DomainDeps, "store">, caller: Caller): Promise<SendingDomain[]> {
  return (await deps.store.list(caller.accountId)).sort((a, b) => a.domain.localeCompare(b.domain));
}

export async function verifyDomain(deps: DomainDeps, caller: Caller, name: string): Promise<SendingDomain> {
  requireAccountKey(caller);
  const domain = await getDomain(deps, caller, name);
  const { domain: checked, takenBy } = await check(deps, domain);
  if (takenBy) throw taken(checked.domain);
  return checked;
}

export async function removeDomain(deps: DomainDeps, caller: Caller, name: string): Promise<void> {
  requireAccountKey(caller);
  const domain = name.trim().toLowerCase();
  if (!(await deps.store.remove(caller.accountId, domain))) throw notFound(name);
  await deps.identities?.remove(domain);
}

/**
 * What the required records (and the provider's identity) say together: verified when all
 * check out; when one is missing, pending or (for a domain that was verified) failed; when
 * some did not answer and none is missing, nothing is decided and the status stays.
 */
export function statusAfterCheck(previous: DomainStatus, states: RecordState[]): DomainStatus {
  if (states.every((state) => state === "verified")) return "verified";
  if (states.includes("missing")) return previous === "pending" ? "pending" : "failed";
  return previous;
}

/** Looks every record up now and records what it found; tells the owner when a verified domain failed. */
export async function check(deps: DomainDeps, domain: SendingDomain): Promise<{ domain: SendingDomain; takenBy?: boolean }> {
  if (!domain.dkim) return { domain }; // the admin CLI's old domain: nothing published to check
  const now = (deps.now ?? Date.now)();
  const records = await Promise.all(domain.records.map((record) => checkRecord(record, deps.dns, now)));
  const identity = deps.identities
    ? { provider: "ses" as const, ...(await identityState(deps.identities, domain.domain)), checkedAt: now }
    : undefined;
  const states = [
    ...records.filter((r) => REQUIRED_PURPOSES.includes(r.purpose)).map((r) => r.state),
    ...(identity ? [identity.state] : []),
  ];
  let status = statusAfterCheck(domain.status, states);
  let takenBy = false;
  // The first account to verify a domain keeps it.
  if (status === "verified" && domain.status !== "verified" && !(await deps.store.claim(domain.domain, domain.accountId))) {
    status = domain.status;
    takenBy = true;
  }
  const checked: SendingDomain = {
    ...domain,
    records,
    ...(identity ? { identity } : {}),
    status,
    lastCheckedAt: now,
    ...(status === "verified" && domain.status !== "verified" ? { verifiedAt: now, failedAt: undefined } : {}),
    ...(status === "failed" && domain.status !== "failed" ? { failedAt: now } : {}),
  };
  await deps.store.save(checked);
  if (domain.status === "verified" && status === "failed") await tellOwner(deps, checked, now);
  return { domain: checked, takenBy };
}

async function identityState(identities: DomainIdentities, domain: string) {
  try {
    return await identities.state(domain);
  } catch (error) {
    return { state: "unknown" as RecordState, problem: `the provider did not answer: ${String(error)}` };
  }
}

async function tellOwner(deps: DomainDeps, domain: SendingDomain, now: number) {
  const failedRecords: DomainWebhookEvent["failedRecords"] = domain.records
    .filter((r) => REQUIRED_PURPOSES.includes(r.purpose) && r.state !== "verified")
    .map(({ purpose, type, name, value, state, problem }) => ({ purpose, type, name, value, state, problem }));
  if (domain.identity && domain.identity.state !== "verified")
    failedRecords.push({ purpose: "identity", state: domain.identity.state, problem: domain.identity.problem });
  const event: DomainWebhookEvent = {
    event: "domain.verification_failed",
    eventId: `domain.${domain.domain}.${now}`,
    ts: now,
    domain: domain.domain,
    status: domain.status,
    failedRecords,
  };
  log.warn("sending domain failed verification", {
    accountId: domain.accountId,
    domain: domain.domain,
    failedRecords: failedRecords.length,
  });
  await deps.notify(domain.accountId, event);
}

/** The daily re-check: every domain with records, a few at a time. */
export async function recheckDomains(deps: DomainDeps, options: { concurrency?: number } = {}) {
  const limit = concurrencyLimit(options.concurrency ?? 8);
  const counts = { checked: 0, verified: 0, failed: 0, pending: 0, errors: 0 };
  await Promise.all(
    (await deps.store.listAll()).map(({ accountId, domain }) =>
      limit(async () => {
        try {
          const found = await deps.store.get(accountId, domain);
          if (!found) return;
          const { domain: checked } = await check(deps, found);
          counts.checked++;
          counts[checked.status]++;
        } catch (error) {
          counts.errors++;
          log.error("domain re-check failed", { accountId, domain, error: String(error) });
        }
      }),
    ),
  );
  return counts;
}

export { maySend };
