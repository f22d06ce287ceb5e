// SMTP login (docs/smtp.md): username = account id or project id, password = its API key, over
// TLS only, from an address on the account's allowlist, within the account's connection cap.
import { isAllowedIp, type Caller } from "../domain/account.ts";

export type LoginDecision =
  | { ok: true; caller: Caller }
  | { ok: false; reason: "tls_required" | "bad_credentials" | "ip_not_allowed" | "too_many_connections" };

export interface LoginFacts {
  username: string;
  /** The owner of the API key given as password, if the key is known. */
  caller: Caller | undefined;
  secure: boolean;
  remoteAddress: string;
  /** Sessions this account already holds (on this server), and how many it may hold. */
  openSessions: number;
  sessionLimit: number;
}

/**
 * A key of an account logs in as that account's id; a project key as the project id (or, as
 * Unisender Go allows, its account id). Any mismatch reads as bad credentials, so a caller
 * cannot learn which ids exist.
 */
export function decideLogin(facts: LoginFacts): LoginDecision {
  if (!facts.secure) return { ok: false, reason: "tls_required" };
  const { caller } = facts;
  const username = facts.username.trim();
  if (!caller || !username || (username !== caller.accountId && username !== caller.projectId))
    return { ok: false, reason: "bad_credentials" };
  if (!isAllowedIp(caller.account.ipAllowlist, facts.remoteAddress)) return { ok: false, reason: "ip_not_allowed" };
  if (facts.openSessions >= facts.sessionLimit) return { ok: false, reason: "too_many_connections" };
  return { ok: true, caller };
}

/** An operator may raise or lower the cap for one account (docs/configuration.md) with `smtpConnectionLimit` on the account item. */
export function sessionLimitFor(caller: Caller, fallback: number): number {
  const own = (caller.account as { smtpConnectionLimit?: unknown }).smtpConnectionLimit;
  return typeof own === "number" && Number.isFinite(own) && own > 0 ? own : fallback;
}

/** Counts authenticated sessions per account, so one tenant cannot take every connection. */
export class AccountSessions {
  private readonly byAccount = new Map<string, Set<string>>();
  private readonly accountOf = new Map<string, string>();

  count(accountId: string): number {
    return this.byAccount.get(accountId)?.size ?? 0;
  }

  add(accountId: string, sessionId: string) {
    let sessions = this.byAccount.get(accountId);
    if (!sessions) {
      sessions = new Set();
      this.byAccount.set(accountId, sessions);
    }
    sessions.add(sessionId);
    this.accountOf.set(sessionId, accountId);
  }

  remove(sessionId: string) {
    const accountId = this.accountOf.get(sessionId);
    if (accountId === undefined) return;
    this.accountOf.delete(sessionId);
    const sessions = this.byAccount.get(accountId);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.byAccount.delete(accountId);
  }
}
