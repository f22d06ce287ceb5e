import { describe, expect, it } from "vitest";
import { messageIdFor, newId, submissionOf } from "../../shared/domain/ids.ts";

describe("message ids", () => {
  it("name their submission and position, and read back", () => {
    const submissionId = newId();
    for (const position of [0, 9, 35, 36, 999, 46_655]) {
      expect(submissionOf(messageIdFor(submissionId, position))).toEqual({ submissionId, position });
    }
  });

  it("sort by time like the submission ids they start with", async () => {
    const earlier = messageIdFor(newId(), 999);
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(messageIdFor(newId(), 0) > earlier).toBe(true);
  });

  it("are not mistaken for a submission's copy when they are plain ids", () => {
    expect(submissionOf(newId())).toBeUndefined();
  });

  it("keep a signed unsubscribe token short enough for a mailto local part (64 characters)", () => {
    const token = `${messageIdFor(newId(), 46_655)}.${"x".repeat(22)}`;
    expect(`unsubscribe+${token}`.length).toBeLessThanOrEqual(64);
  });
});
