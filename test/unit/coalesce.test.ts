import { describe, expect, it } from "vitest";
import { coalesce } from "../../shared/lib/coalesce.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A coalescer (batches of 3, 2 flushes at once) whose flush of unit 1 runs until released. */
function heldFirstFlush() {
  const flushed: number[][] = [];
  let releaseFirst = () => {};
  const submit = coalesce<number>(
    async (units) => {
      flushed.push(units);
      if (units[0] === 1) await new Promise<void>((resolve) => (releaseFirst = resolve));
    },
    { maxBatch: 3, maxInFlight: 2 },
  );
  return { flushed, submit, release: () => releaseFirst() };
}

describe("coalesce (group commit)", () => {
  it("flushes a lone unit at once, with nothing to wait for", async () => {
    const flushed: number[][] = [];
    const submit = coalesce<number>(async (units) => void flushed.push(units), { maxBatch: 10, maxInFlight: 1 });
    await submit(1);
    expect(flushed).toEqual([[1]]);
  });

  it("carries what arrives during a flush in the next one, up to the batch size", async () => {
    const flushed: number[][] = [];
    const submit = coalesce<number>(
      async (units) => {
        flushed.push(units);
        await tick();
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map(submit));
    expect(flushed).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it("hands each unit its own result", async () => {
    const submit = coalesce<number, number>(
      async (units) => {
        await tick();
        return units.map((u) => u * 10);
      },
      { maxBatch: 5, maxInFlight: 1 },
    );
    expect(await Promise.all([1, 2, 3].map(submit))).toEqual([10, 20, 30]);
  });

  it("fails every unit of a failed flush and only those", async () => {
    const submit = coalesce<number>(
      async (units) => {
        await tick();
        if (units.includes(2)) throw new Error("table unavailable");
      },
      { maxBatch: 2, maxInFlight: 1 },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map(submit));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("table unavailable");
  });

  it("counts units by size, and sends one larger than a batch alone", async () => {
    const flushed: string[][] = [];
    const submit = coalesce<string>(
      async (units) => {
        flushed.push(units);
        await tick();
      },
      { maxBatch: 4, maxInFlight: 1 },
      (unit) => unit.length,
    );
    await Promise.all(["a", "bbbbbb", "cc", "dd", "e"].map(submit));
    expect(flushed).toEqual([["a"], ["bbbbbb"], ["cc", "dd"], ["e"]]);
  });

  it("runs up to maxInFlight flushes side by side before anything waits", async () => {
    let running = 0;
    let most = 0;
    const submit = coalesce<number>(
      async () => {
        most = Math.max(most, ++running);
        await tick();
        running--;
      },
      { maxBatch: 1, maxInFlight: 3 },
    );
    await Promise.all(Array.from({ length: 9 }, (_, i) => submit(i)));
    expect(most).toBe(3);
  });

  it("sends a partial batch only when no flush runs, so no second half-empty call is made", async () => {
    const { flushed, submit, release } = heldFirstFlush();
    const first = submit(1);
    const waiting = [submit(2), submit(3)];
    await tick();
    expect(flushed).toEqual([[1]]); // 2 and 3 wait for the running flush, not a second call of their own
    release();
    await Promise.all([first, ...waiting]);
    expect(flushed).toEqual([[1], [2, 3]]);
  });

  it("sends a full batch beside a running flush", async () => {
    const { flushed, submit, release } = heldFirstFlush();
    const first = submit(1);
    const full = [2, 3, 4].map(submit);
    await Promise.all(full);
    expect(flushed).toEqual([[1], [2, 3, 4]]);
    release();
    await first;
  });
});
