// The G5 row's arithmetic (bench/profile-summary.ts): a CPU profile cut to the window of one load,
// and each sample charged to Posthaste's own code, the SDK, the gateway stand-in or the meter.
import { describe, expect, it } from "vitest";
import { cpuShares, withinWindow, type CpuProfile } from "../../bench/profile-summary.ts";

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: 0 },
  children,
});

/** One sample a millisecond from t = 1,000,000 µs, each charged to the frame named. */
function profile(sampled: string[]): CpuProfile {
  const nodes = [
    frame(1, "(root)", "", [2, 3, 4, 5, 6, 7]),
    frame(2, "(idle)", ""),
    frame(3, "parseSendRequest", "file:///work/repo/shared/accept/http-request.ts"),
    frame(4, "send", "file:///work/repo/node_modules/@smithy/core/dist-cjs/index.js"),
    frame(5, "toEvent", "file:///work/repo/local/gateway.ts"),
    frame(6, "timed", "file:///work/repo/bench/usage-meter.ts"),
    frame(7, "_get", "file:///work/repo/node_modules/classic-level/index.js"),
  ];
  const ids: Record<string, number> = { idle: 2, own: 3, sdk: 4, gateway: 5, meter: 6, dynalite: 7 };
  return { nodes, samples: sampled.map((s) => ids[s]), timeDeltas: sampled.map(() => 1000), startTime: 1_000_000 };
}

describe("the CPU shares of a load, from profiles", () => {
  it("keep only the samples taken within the load's window", () => {
    // Samples at 1,001,000 ... 1,006,000 µs; the window takes the 2nd to the 4th.
    const cut = withinWindow(profile(["own", "sdk", "sdk", "own", "sdk", "own"]), { startUs: 1_002_000, endUs: 1_004_000 });
    expect(cut.samples).toEqual([4, 4, 3]);
    expect(cut.timeDeltas).toEqual([1000, 1000, 1000]);
  });

  it("charge Posthaste's own code against the busy time of both processes, the gateway and the meter apart", () => {
    const platform = profile(["own", "sdk", "sdk", "sdk", "gateway", "meter", "idle", "own", "idle", "idle"]);
    const standIns = profile(["dynalite", "dynalite", "idle", "dynalite", "idle", "idle", "idle", "idle", "idle", "idle"]);
    const shares = cpuShares(platform, standIns, { startUs: 0, endUs: 2_000_000 });
    expect(shares).toEqual({ platformMs: 7, standInsMs: 3, ownMs: 2, gatewayMs: 1, meterMs: 1 });
  });

  it("count nothing outside the window", () => {
    const shares = cpuShares(profile(["own", "sdk"]), profile(["dynalite"]), { startUs: 5_000_000, endUs: 6_000_000 });
    expect(shares).toEqual({ platformMs: 0, standInsMs: 0, ownMs: 0, gatewayMs: 0, meterMs: 0 });
  });
});
