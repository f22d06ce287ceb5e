// The development account `npm start` prints: created on first start, reused afterwards.
import type { AccountStore } from "../shared/store/accounts.ts";

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
  await accounts.addDomain(account.accountId, DEV_SENDER_DOMAIN, true);
  const apiKey = await accounts.createApiKey(account.accountId, undefined, "development");
  return { accountId: account.accountId, apiKey, senderDomain: DEV_SENDER_DOMAIN };
}
