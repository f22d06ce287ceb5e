// SMTP login as a pure decision (docs/smtp.md): id + API key, TLS only, the IP allowlist and the
// per-account connection cap.
import { describe, expect, it } from "vitest";
import { AccountSessions, decideLogin, sessionLimitFor, type LoginFacts } from "../../shared/smtp/auth.ts";
import type { Caller } from "../../shared/domain/account.ts";

const account = (extra: Record<string, unknown> = {}) => ({ accountId: "acc1", name: "A", createdAt: 0, ...extra });
const accountCaller: Caller = { accountId: "acc1", account: account() };
const projectCaller: Caller = { accountId: "acc1", projectId: "prj1", account: account() };

const facts = (overrides: Partial<LoginFacts> = {}): LoginFacts => ({
  username: "acc1",
  caller: accountCaller,
  secure: true,
  remoteAddress: "203.0.113.7",
  openSessions: 0,
  sessionLimit: 50,
  ...overrides,
});

describe("SMTP login", () => {
  it("lets an account key in as the account id", () => {
    expect(decideLogin(facts())).toEqual({ ok: true, caller: accountCaller });
  });

  it("lets a project key in as the project id or its account id", () => {
    expect(decideLogin(facts({ caller: projectCaller, username: "prj1" })).ok).toBe(true);
    expect(decideLogin(facts({ caller: projectCaller, username: "acc1" })).ok).toBe(true);
  });

  it("refuses an unknown key and a key given with another id alike", () => {
    expect(decideLogin(facts({ caller: undefined }))).toEqual({ ok: false, reason: "bad_credentials" });
    expect(decideLogin(facts({ username: "acc2" }))).toEqual({ ok: false, reason: "bad_credentials" });
    expect(decideLogin(facts({ username: "" }))).toEqual({ ok: false, reason: "bad_credentials" });
  });

  it("refuses a login on a session without TLS", () => {
    expect(decideLogin(facts({ secure: false }))).toEqual({ ok: false, reason: "tls_required" });
  });

  it("refuses a client outside the account's IP allowlist", () => {
    const pinned: Caller = { accountId: "acc1", account: account({ ipAllowlist: ["198.51.100.0/24"] }) };
    expect(decideLogin(facts({ caller: pinned }))).toEqual({ ok: false, reason: "ip_not_allowed" });
    expect(decideLogin(facts({ caller: pinned, remoteAddress: "::ffff:198.51.100.20" })).ok).toBe(true);
  });

  it("refuses a login once the account holds its limit of sessions", () => {
    expect(decideLogin(facts({ openSessions: 49 })).ok).toBe(true);
    expect(decideLogin(facts({ openSessions: 50 }))).toEqual({ ok: false, reason: "too_many_connections" });
  });

  it("takes an account's own connection limit over the default", () => {
    expect(sessionLimitFor({ accountId: "a", account: account({ smtpConnectionLimit: 5 }) }, 50)).toBe(5);
    expect(sessionLimitFor({ accountId: "a", account: account({ smtpConnectionLimit: "many" }) }, 50)).toBe(50);
  });
});

describe("sessions per account", () => {
  it("counts sessions per account and forgets closed ones", () => {
    const sessions = new AccountSessions();
    sessions.add("acc1", "s1");
    sessions.add("acc1", "s2");
    sessions.add("acc2", "s3");
    sessions.remove("s1");
    sessions.remove("unknown");

    expect(sessions.count("acc1")).toBe(1);
    expect(sessions.count("acc2")).toBe(1);
    expect(sessions.count("acc3")).toBe(0);
  });
});
