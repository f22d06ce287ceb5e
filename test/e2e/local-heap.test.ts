// The local runtime's two Node processes run with a V8 heap cap of a Lambda's size
// (local/node-heap.ts): without it V8 sizes the heap from the machine's memory and lets garbage
// pile up to 4 times the live data, and the processes' memory rose for minutes of a steady load
// (docs/performance.md, the soak). The stand-ins process gets the cap from the platform that forks it.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_HEAP_FLAG } from "../../local/node-heap.ts";
import { startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

const environmentOf = async (pid: number) => (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
const nodeFlags = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");

describe.runIf(process.platform === "linux")("the local processes' heap", () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startPlatformProcess();
  });
  afterAll(() => platform?.stop());

  it("is capped in the platform and in the stand-ins process it forks", async () => {
    expect(await nodeFlags(platform.info.pid)).toContain(LOCAL_HEAP_FLAG);
    expect(await nodeFlags(platform.info.standInsPid)).toContain(LOCAL_HEAP_FLAG);
  });

  it("holds the stand-ins process's malloc to two arenas, where LevelDB's threads had one each", async () => {
    expect(await environmentOf(platform.info.standInsPid)).toContain("MALLOC_ARENA_MAX=2");
  });
});
