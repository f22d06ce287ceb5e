// Accounts and who is calling: the account, its settings, and the caller an API key or SMTP login names.
import { BlockList, isIP } from "node:net";

export interface Account {
  accountId: string;
  name: string;
  createdAt: number;
  /** CIDRs or addresses allowed to use the API and SMTP; empty or absent means any. */
  ipAllowlist?: string[];
  /** Requests a second through the HTTP API. */
  rateLimitPerSecond?: number;
  /** Whether this account may send without the unsubscribe footer (skip_unsubscribe, docs/smtp.md). */
  allowSkipUnsubscribe?: boolean;
  /** Account-wide tracking switches: false turns open pixels / click redirects off for every message. */
  trackOpens?: boolean;
  trackLinks?: boolean;
  /**
   * Every message of the account goes without the unsubscribe link and its headers, whatever
   * the message asks (Unisender Go's forced skip, docs/account-settings.md). Set by the operator,
   * or by the account itself when it may skip.
   */
  forceSkipUnsubscribe?: boolean;
  /** SMTP mail of the account is relayed strict (docs/smtp.md) unless its options header says `strict: false`. */
  smtpStrict?: boolean;
}

/** A project of an account: its own keys, and optionally its own forced skip of the unsubscribe link. */
export interface Project {
  projectId: string;
  name: string;
  createdAt: number;
  forceSkipUnsubscribe?: boolean;
}

/** Settings an operator may change on an existing account. */
export type AccountSettings = Partial<
  Pick<
    Account,
    "ipAllowlist" | "rateLimitPerSecond" | "allowSkipUnsubscribe" | "trackOpens" | "trackLinks" | "forceSkipUnsubscribe" | "smtpStrict"
  >
>;

/** Settings of a project. */
export type ProjectSettings = Partial<Pick<Project, "forceSkipUnsubscribe">>;

/** An API key as its account sees it: never the key itself, only its first characters. */
export interface ApiKeyRecord {
  keyId: string;
  /** SHA-256 of the key: finds the key item to revoke. */
  keyHash: string;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  projectId?: string;
  label?: string;
  createdAt: number;
  revokedAt?: number;
}

export interface Caller {
  accountId: string;
  projectId?: string;
  account: Account;
  /** The project of a project key. */
  project?: Project;
}

/** What delivery applies of the settings of a message's account (and project). */
export type AccountPolicy = Pick<Account, "trackOpens" | "trackLinks" | "allowSkipUnsubscribe" | "forceSkipUnsubscribe">;

/** The unsubscribe link is removed from every message of this caller (its account's or its project's setting). */
export const forcesSkipUnsubscribe = (caller: Pick<Caller, "account" | "project">): boolean =>
  caller.account.forceSkipUnsubscribe === true || caller.project?.forceSkipUnsubscribe === true;

/** Whether this caller may send without the unsubscribe link when a message asks to. */
export const maySkipUnsubscribe = (caller: Pick<Caller, "account" | "project">): boolean =>
  caller.account.allowSkipUnsubscribe === true || forcesSkipUnsubscribe(caller);

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
