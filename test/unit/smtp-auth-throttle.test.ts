// The brakes on guessing API keys over SMTP AUTH, as decisions on a clock the test moves.
import { describe, expect, it } from "vitest";
import { AuthThrottle, clientKey, failureDelay, type AuthThrottleLimits } from "../../shared/smtp/auth-throttle.ts";

const limits: AuthThrottleLimits = {
  authFailureDelayMs: 500,
  authFailuresPerConnection: 3,
  authFailuresPerAddress: 10,
  authFailureWindowMs: 5 * 60_000,
  unauthenticatedPerAddress: 2,
};

function throttle(overrides: Partial<AuthThrottleLimits> = {}) {
  const clock = { now: 1_000_000 };
  return { clock, throttle: new AuthThrottle({ ...limits, ...overrides }, () => clock.now) };
}

describe("failed logins on one connection", () => {
  it("are answered after a delay that doubles each time, and the third hangs up", () => {
    const { throttle: t } = throttle();
    expect(t.failed("s1", "203.0.113.7")).toEqual({ delayMs: 500, hangUp: false });
    expect(t.failed("s1", "203.0.113.7")).toEqual({ delayMs: 1000, hangUp: false });
    expect(t.failed("s1", "203.0.113.7")).toEqual({ delayMs: 2000, hangUp: true });
  });

  it("count per connection: a new connection starts again at the first delay", () => {
    const { throttle: t } = throttle();
    t.failed("s1", "203.0.113.7");
    t.failed("s1", "203.0.113.7");
    t.closed("s1");
    expect(t.failed("s2", "203.0.113.7")).toEqual({ delayMs: 500, hangUp: false });
  });

  it("doubling from the configured base", () => {
    expect([1, 2, 3, 4].map((n) => failureDelay(n, 10))).toEqual([10, 20, 40, 80]);
  });
});

describe("failed logins from one address across connections", () => {
  it("stop every login from that address once it reaches the limit within the window, and only that address", () => {
    const { throttle: t } = throttle({ authFailuresPerAddress: 3 });
    t.failed("s1", "203.0.113.7");
    t.failed("s2", "203.0.113.7");
    expect(t.mayTry("203.0.113.7")).toBe(true);
    t.failed("s3", "203.0.113.7");

    expect(t.mayTry("203.0.113.7")).toBe(false);
    expect(t.mayTry("203.0.113.8")).toBe(true);
  });

  it("slides: an address may try again as its oldest failures leave the window", () => {
    const { clock, throttle: t } = throttle({ authFailuresPerAddress: 2, authFailureWindowMs: 60_000 });
    t.failed("s1", "203.0.113.7");
    clock.now += 30_000;
    t.failed("s2", "203.0.113.7");
    expect(t.mayTry("203.0.113.7")).toBe(false);

    clock.now += 30_000; // the first failure is now a full window old
    expect(t.mayTry("203.0.113.7")).toBe(true);
    t.failed("s3", "203.0.113.7");
    expect(t.mayTry("203.0.113.7")).toBe(false);
    clock.now += 60_000;
    expect(t.mayTry("203.0.113.7")).toBe(true);
  });

  it("count an IPv6 client by its /64 and an IPv4-mapped address as the IPv4 one", () => {
    const { throttle: t } = throttle({ authFailuresPerAddress: 2 });
    t.failed("s1", "2001:db8:1:2::1");
    t.failed("s2", "2001:db8:1:2:ffff:ffff:ffff:ffff");
    expect(t.mayTry("2001:db8:1:2:abcd::9")).toBe(false);
    expect(t.mayTry("2001:db8:1:3::1")).toBe(true);

    t.failed("s3", "::ffff:203.0.113.7");
    t.failed("s4", "203.0.113.7");
    expect(t.mayTry("203.0.113.7")).toBe(false);
  });
});

describe("client keys", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["2001:0db8:0001:0002:0003:0004:0005:0006", "2001:db8:1:2::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
  ])("%s counts as %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});

describe("connections before login", () => {
  it("are capped per address; logging in or leaving frees a place", () => {
    const { throttle: t } = throttle({ unauthenticatedPerAddress: 2 });
    expect(t.admit("s1", "203.0.113.7")).toBe(true);
    expect(t.admit("s2", "203.0.113.7")).toBe(true);
    expect(t.admit("s3", "203.0.113.7")).toBe(false);
    expect(t.admit("s4", "203.0.113.8")).toBe(true);

    t.loggedIn("s1");
    expect(t.admit("s5", "203.0.113.7")).toBe(true);
    expect(t.admit("s6", "203.0.113.7")).toBe(false);
    t.closed("s2");
    t.closed("s1"); // already logged in: frees nothing more
    expect(t.admit("s7", "203.0.113.7")).toBe(true);
    expect(t.admit("s8", "203.0.113.7")).toBe(false);
  });

  it("forget a session refused at connect, which closes without having been admitted", () => {
    const { throttle: t } = throttle({ unauthenticatedPerAddress: 1 });
    t.admit("s1", "203.0.113.7");
    expect(t.admit("s2", "203.0.113.7")).toBe(false);
    t.closed("s2");
    expect(t.admit("s3", "203.0.113.7")).toBe(false);
  });
});
