import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { LOCAL_HEAP_FLAG, withLocalHeap } from "../../local/node-heap.ts";

describe("the local heap cap", () => {
  it("is added to a process's Node flags, unless they name a cap already", () => {
    expect(withLocalHeap(["--import", "tsx"])).toEqual(["--import", "tsx", LOCAL_HEAP_FLAG]);
    expect(withLocalHeap(["--max-old-space-size=2048"])).toEqual(["--max-old-space-size=2048"]);
    expect(withLocalHeap(["--max_old_space_size=64"])).toEqual(["--max_old_space_size=64"]);
  });

  it("is what `npm start` runs the platform with", async () => {
    const scripts = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")).scripts;
    expect(scripts.start.split(/\s+/)).toContain(LOCAL_HEAP_FLAG);
  });
});
