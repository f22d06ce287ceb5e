// The generic mechanics of shared/lib/ that the adapters and features share: the one TTL cache
// and the one retry of what a service left undone.
import { describe, expect, it } from "vitest";
import { backoffMs, untilAllDone } from "../../shared/lib/backoff.ts";
import { ttlCache } from "../../shared/lib/ttl-cache.ts";

describe("ttlCache", () => {
  it("shares one read between concurrent callers and keeps it until the TTL runs out", async () => {
    let now = 0;
    let reads = 0;
    const cache = ttlCache<number>({ ttlMs: 1000, maxEntries: 10, now: () => now });
    const load = async () => ++reads;
    expect(await Promise.all([cache.get("a", load), cache.get("a", load)])).toEqual([1, 1]);
    now = 999;
    expect(await cache.get("a", load)).toBe(1);
    now = 1000;
    expect(await cache.get("a", load)).toBe(2);
  });

  it("does not remember a failed read, nor an answer it is told not to keep", async () => {
    const cache = ttlCache<string | undefined>({ ttlMs: 60_000, maxEntries: 10 });
    await expect(cache.get("k", () => Promise.reject(new Error("busy")))).rejects.toThrow("busy");
    expect(await cache.get("k", async () => "second")).toBe("second");
    expect(
      await cache.get(
        "unknown",
        async () => undefined,
        (v) => v !== undefined,
      ),
    ).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      await cache.get(
        "unknown",
        async () => "found",
        (v) => v !== undefined,
      ),
    ).toBe("found");
  });

  it("drops everything when full, so a flood of keys cannot grow it", async () => {
    let reads = 0;
    const cache = ttlCache<number>({ ttlMs: 60_000, maxEntries: 2 });
    await cache.get("a", async () => ++reads);
    await cache.get("b", async () => ++reads);
    await cache.get("c", async () => ++reads);
    expect(await cache.get("a", async () => ++reads)).toBe(4);
  });
});

describe("untilAllDone", () => {
  it("sends again only what was left, until nothing is", async () => {
    const calls: number[][] = [];
    await untilAllDone(
      [1, 2, 3],
      async (pending) => {
        calls.push(pending);
        return pending.slice(1);
      },
      { attempts: 5, baseMs: 1, what: "items" },
    );
    expect(calls).toEqual([[1, 2, 3], [2, 3], [3]]);
  });

  it("gives up after its attempts, saying what was left", async () => {
    await expect(untilAllDone([1, 2], async (pending) => pending, { attempts: 3, baseMs: 1, what: "delivery jobs" })).rejects.toThrow(
      "2 delivery jobs still refused after 3 attempts",
    );
  });

  it("waits a random time up to the doubling bound (full jitter)", () => {
    expect(backoffMs(1, 50, () => 1)).toBe(50);
    expect(backoffMs(3, 50, () => 1)).toBe(200);
    expect(backoffMs(3, 50, () => 0)).toBe(0);
  });
});
