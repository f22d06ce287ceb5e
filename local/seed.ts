// The development account `npm start` prints: created on first start, reused afterwards. Its
// sender domain is a real sending domain: made with a DKIM key, its records published to the
// local DNS stand-in and verified, so local mail is signed and passes DKIM, SPF and DMARC.
import { addDomain, check, type DomainDeps } from "../shared/domains/index.ts";
import type { AccountStore } from "../shared/store/accounts.ts";
import { publishRecords, zoneRecordsOf } from "./dns-zone.ts";

export const DEV_SENDER_DOMAIN = "example.com";

export interface DevAccount {
  accountId: string;
  apiKey: string;
  senderDomain: string;
}

export async function ensureDevAccount(accounts: AccountStore, previous?: Partial<DevAccount>): Promise<DevAccount> {
  if (previous?.accountId && previous.apiKey) {
    const caller = await accounts.findCallerByApiKey(previous.apiKey);
    if (caller?.accountId === previous.accountId)
      return { accountId: previous.accountId, apiKey: previous.apiKey, senderDomain: previous.senderDomain ?? DEV_SENDER_DOMAIN };
  }
  const account = await accounts.createAccount("Development");
  const apiKey = await accounts.createApiKey(account.accountId, undefined, "development");
  return { accountId: account.accountId, apiKey, senderDomain: DEV_SENDER_DOMAIN };
}

/**
 * The development domain with its key and records, published to the DNS stand-in and checked.
 * A data directory from before domains verified themselves holds it as an operator-verified
 * domain without a key: it gets one here, and keeps sending meanwhile.
 */
export async function ensureDevDomain(deps: DomainDeps, dataDir: string, dev: DevAccount) {
  let domain = await deps.store.get(dev.accountId, dev.senderDomain);
  if (!domain?.dkim) domain = await addDomain(deps, dev.accountId, dev.senderDomain);
  await publishRecords(dataDir, zoneRecordsOf(domain.records));
  if (domain.status !== "verified" || domain.records.some((r) => r.state !== "verified")) domain = (await check(deps, domain)).domain;
  return domain;
}
