import { describe, expect, it } from "vitest";
import { messageIdFor, newId } from "../../shared/domain/ids.ts";
import { PENDING_SHARDS, pendingShardOf } from "../../shared/store/keys.ts";

describe("the sweeper's pending shards", () => {
  it("spread single-recipient messages over every shard", () => {
    const counts = new Map<string, number>();
    const messages = 200 * PENDING_SHARDS;
    for (let i = 0; i < messages; i++) {
      const shard = pendingShardOf(messageIdFor(newId(), 0));
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(new Set(counts.keys())).toEqual(new Set(Array.from({ length: PENDING_SHARDS }, (_, i) => String(i))));
    // An even spread is 200 each; a hash that ignores the id's random part would leave shards empty.
    for (const count of counts.values()) expect(count).toBeGreaterThan(120);
  });

  it("spread the copies of one large submission too", () => {
    const submissionId = newId();
    const counts = new Map<string, number>();
    const copies = 50 * PENDING_SHARDS;
    for (let position = 0; position < copies; position++) {
      const shard = pendingShardOf(messageIdFor(submissionId, position));
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(counts.size).toBe(PENDING_SHARDS);
    for (const count of counts.values()) expect(count).toBeGreaterThan(20);
  });

  it("keep one message in one shard", () => {
    const id = messageIdFor(newId(), 7);
    expect(pendingShardOf(id)).toBe(pendingShardOf(id));
  });
});
