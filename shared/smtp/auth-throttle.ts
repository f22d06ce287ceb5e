// Brakes on guessing API keys over SMTP AUTH, as decisions without sockets (the server asks, then
// acts): a growing delay before each failed login is answered and a hang-up after a few on one
// connection; a sliding window of failures per client address across connections; and a cap on
// the connections one address holds before it has logged in.
import net from "node:net";

export interface AuthThrottleLimits {
  /** Delay before answering the first failed login of a connection; each next one waits twice as long. */
  authFailureDelayMs: number;
  /** Failed logins a connection may make; the last is answered 421 and the connection closed. */
  authFailuresPerConnection: number;
  /** Failed logins an address may make within `authFailureWindowMs`; then its logins are refused at once. */
  authFailuresPerAddress: number;
  authFailureWindowMs: number;
  /** Connections one address may hold at once before they have logged in. */
  unauthenticatedPerAddress: number;
}

export interface FailureVerdict {
  /** How long to wait before answering. */
  delayMs: number;
  /** True when this failure is the connection's last: answer 421 and close. */
  hangUp: boolean;
}

/** Addresses tracked for failures at most; the oldest are dropped first, so a flood of addresses cannot exhaust memory. */
const MAX_TRACKED_ADDRESSES = 100_000;

/**
 * The client a limit applies to: an IPv4 address, or the /64 an IPv6 address belongs to (a
 * single host is routinely given a whole /64, so counting single IPv6 addresses would count nothing).
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (net.isIPv6(address)) return `${expandIPv6(address).slice(0, 4).join(":")}::/64`;
  return address;
}

/** The eight groups of an IPv6 address, without leading zeros (an embedded IPv4 tail counts as two). */
function expandIPv6(address: string): string[] {
  const [head, tail = ""] = address.split("::");
  const groups = (part: string) => (part ? part.split(":").flatMap((g) => (g.includes(".") ? ["v4", "v4"] : [g])) : []);
  const left = groups(head);
  const right = address.includes("::") ? groups(tail) : [];
  const all = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return all.map((g) => g.replace(/^0+(?=.)/, "").toLowerCase());
}

/** The delay before answering a connection's `n`th failed login (1-based): base, 2 x base, 4 x base ... */
export const failureDelay = (n: number, baseMs: number) => baseMs * 2 ** (n - 1);

export class AuthThrottle {
  /** Failed logins per open session. */
  private readonly failuresOf = new Map<string, number>();
  /** Times of recent failed logins per client key, oldest first. */
  private readonly recentFailures = new Map<string, number[]>();
  /** Sessions not logged in yet, per client key, and the key of each. */
  private readonly waiting = new Map<string, Set<string>>();
  private readonly keyOf = new Map<string, string>();
  private lastSweep: number;

  constructor(
    private readonly limits: AuthThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  /** At connect: false when the address already holds its share of connections that have not logged in. */
  admit(sessionId: string, address: string): boolean {
    const key = clientKey(address);
    let sessions = this.waiting.get(key);
    if ((sessions?.size ?? 0) >= this.limits.unauthenticatedPerAddress) return false;
    if (!sessions) {
      sessions = new Set();
      this.waiting.set(key, sessions);
    }
    sessions.add(sessionId);
    this.keyOf.set(sessionId, key);
    return true;
  }

  /** At AUTH, before the key is looked at: false when the address failed too often of late. */
  mayTry(address: string): boolean {
    return this.failuresWithinWindow(clientKey(address)).length < this.limits.authFailuresPerAddress;
  }

  /** A failed login: how long to wait before answering it, and whether to hang up then. */
  failed(sessionId: string, address: string): FailureVerdict {
    const count = (this.failuresOf.get(sessionId) ?? 0) + 1;
    this.failuresOf.set(sessionId, count);
    const key = clientKey(address);
    const times = this.failuresWithinWindow(key);
    times.push(this.now());
    // Only the newest `authFailuresPerAddress` matter to the decision.
    if (times.length > this.limits.authFailuresPerAddress) times.splice(0, times.length - this.limits.authFailuresPerAddress);
    this.recentFailures.delete(key); // re-inserted last: the map stays ordered oldest-touched first
    this.recentFailures.set(key, times);
    if (this.recentFailures.size > MAX_TRACKED_ADDRESSES) this.recentFailures.delete(this.recentFailures.keys().next().value!);
    return { delayMs: failureDelay(count, this.limits.authFailureDelayMs), hangUp: count >= this.limits.authFailuresPerConnection };
  }

  /** A successful login: the session no longer counts against its address's pre-login cap. */
  loggedIn(sessionId: string): void {
    this.release(sessionId);
  }

  closed(sessionId: string): void {
    this.release(sessionId);
    this.failuresOf.delete(sessionId);
  }

  private release(sessionId: string) {
    const key = this.keyOf.get(sessionId);
    if (key === undefined) return;
    this.keyOf.delete(sessionId);
    const sessions = this.waiting.get(key);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.waiting.delete(key);
  }

  /** The failure times of `key` still inside the window (the stored array, pruned). */
  private failuresWithinWindow(key: string): number[] {
    this.sweep();
    const times = this.recentFailures.get(key) ?? [];
    const since = this.now() - this.limits.authFailureWindowMs;
    while (times.length && times[0] <= since) times.shift();
    if (!times.length) this.recentFailures.delete(key);
    return times;
  }

  /** Once a window, forgets the addresses whose failures have all expired. */
  private sweep() {
    const now = this.now();
    if (now - this.lastSweep < this.limits.authFailureWindowMs) return;
    this.lastSweep = now;
    const since = now - this.limits.authFailureWindowMs;
    for (const [key, times] of this.recentFailures) if (times[times.length - 1] <= since) this.recentFailures.delete(key);
  }
}
