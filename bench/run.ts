// `npm run bench`: how fast and how cheap Posthaste is on this machine, each figure beside a
// reference measured in the same run (docs/performance.md). Starts the local platform on fresh data dirs,
// loads it on loopback for bounded times and counts, stops everything, prints one table and
// writes bench/results/latest.json.
//
//   npm run bench                 full run (a few minutes)
//   npm run bench -- --quick      smoke run, about half a minute of load
//   npm run bench -- --tiny       tiny counts, only proves every step works (POSTHASTE_BENCH=tiny)
//   --out <file>                  where to write the JSON (default bench/results/latest.json)
//   --profile                     write CPU profiles of the platform processes (node --cpu-prof)
//                                 to bench/results/profiles/
//   --skip <names>                leave out some of: http,smtp,delivery,soak,bundles,reads
//   --soak-seconds <n>            the soak's length instead of the mode's (full: 600)
//   --soak-rate <n>               the soak's messages a second, both doors together, instead of half the saturation
import { goalRows, renderGoals } from "./goals.ts";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { benchBundles } from "./bundles.ts";
import { BENCH_DIR, startChild } from "./child.ts";
import { PRICES } from "./cost.ts";
import { benchDelivery } from "./delivery.ts";
import { benchHttpAccept } from "./http-accept.ts";
import { benchReadSide } from "./read-side.ts";
import type { Target } from "./http-load.ts";
import { describeMachine } from "./machine.ts";
import { startBenchPlatform, type BenchPlatform } from "./platform.ts";
import { cpuShares, renderProfile, summarizeProfile, type CpuShares, type ClockWindow, type ProfileSummary } from "./profile-summary.ts";
import { PROFILES, type Mode } from "./profiles.ts";
import { benchSmtp } from "./smtp.ts";
import { benchSoak, oneLine, renderSoak, soakRates } from "./soak.ts";
import { buildRows, renderBundles, renderCostDetail, renderTable, type Results } from "./table.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    tiny: { type: "boolean", default: false },
    out: { type: "string", default: path.join(BENCH_DIR, "results", "latest.json") },
    profile: { type: "boolean", default: false },
    skip: { type: "string", default: "" },
    "soak-seconds": { type: "string" },
    "soak-rate": { type: "string" },
  },
});

const mode: Mode =
  args.tiny || process.env.POSTHASTE_BENCH === "tiny" ? "tiny" : args.quick || process.env.POSTHASTE_BENCH === "quick" ? "quick" : "full";
const profile = { ...PROFILES[mode], ...(args["soak-seconds"] ? { soakSeconds: Number(args["soak-seconds"]) } : {}) };
const skip = new Set(args.skip!.split(",").filter(Boolean));
const progress = (line: string) => process.stderr.write(`· ${line}\n`);

async function withPlatform<T>(pollers: boolean, profileDir: string | undefined, fn: (platform: BenchPlatform) => Promise<T>): Promise<T> {
  progress(`starting the local platform (pollers ${pollers ? "on" : "off"})`);
  const platform = await startBenchPlatform({ pollers, profileDir });
  processNames.set(platform.info.pid, "platform").set(platform.info.standInsPid, "stand-ins");
  try {
    return await fn(platform);
  } finally {
    await platform.stop();
  }
}

async function main() {
  const startedAt = new Date();
  const machine = describeMachine();
  progress(`mode ${mode} on ${machine.cpus} x ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage}`);
  const profileDir = args.profile ? path.join(BENCH_DIR, "results", "profiles", startedAt.toISOString().replace(/[:.]/g, "-")) : undefined;
  const results: Results = {};

  const sink = await startChild<{ port: number }>("reference/http-sink.ts");
  const reference: Target = { url: `http://127.0.0.1:${sink.ready.port}/email/messages`, headers: {} };
  try {
    if (!skip.has("http") || !skip.has("smtp")) {
      // Accept alone: pollers off, so delivering the accepted backlog cannot slow what is measured.
      await withPlatform(false, profileDir && path.join(profileDir, "accept"), async (platform) => {
        if (!skip.has("http")) results.http = await benchHttpAccept(platform, reference, profile, progress);
        if (!skip.has("smtp")) results.smtp = await benchSmtp(platform, profile, progress);
      });
    }
  } finally {
    await sink.stop();
  }
  if (!skip.has("delivery")) {
    results.delivery = await withPlatform(true, profileDir && path.join(profileDir, "delivery"), (platform) =>
      benchDelivery(platform, profile, results.http?.calibration.batch, progress),
    );
  }
  if (!skip.has("soak")) {
    // Half the saturation this run measured (or a fixed rate), pollers on: flat memory is goal G4.
    const rates = soakRates(
      profile,
      {
        http: results.http?.single.posthaste.requestsPerSecond,
        smtp: results.smtp?.status === "measured" ? results.smtp.runs.find((run) => run.reused)?.posthaste.messagesPerSecond : undefined,
        delivered: results.delivery?.saturation.posthaste.messagesPerSecond,
      },
      args["soak-rate"] ? Number(args["soak-rate"]) : undefined,
    );
    results.soak = await withPlatform(true, profileDir && path.join(profileDir, "soak"), (platform) =>
      benchSoak(platform, profile, rates, progress),
    ).catch((error) => ({ status: "failed" as const, error: oneLine(error) }));
  }
  if (!skip.has("reads")) results.reads = await benchReadSide(profile, progress);
  if (!skip.has("bundles")) results.bundles = await benchBundles(profile.initRuns, profile.bundleOnly, progress);

  if (profileDir && results.http) results.http.single.cpuShares = await acceptCpuShares(profileDir, results.http.single.window);
  const rows = buildRows(results);
  const table = renderTable(rows);
  const costDetail = renderCostDetail(results);
  const soak = renderSoak(results.soak);
  console.log(`\nPosthaste bench (${mode}), ${startedAt.toISOString()}`);
  console.log(
    `Machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.os}, load average ${machine.loadAverage} at start\n`,
  );
  console.log(table);
  console.log(`\nGoals of this round:\n${renderGoals(results)}`);
  if (soak) console.log(`\nSoak: resident memory over time (goal G4):\n${soak}`);
  const bundles = renderBundles(results.bundles);
  if (bundles)
    console.log(
      `\nLambda bundles (esbuild as the CDK stack bundles them; cold init = import in a fresh Node ${process.version} process, median of ${profile.initRuns}):\n${bundles}`,
    );
  if (costDetail) console.log(`\nAWS requests per message and cost (list prices ${PRICES.region}, ${PRICES.asOf}):\n${costDetail}`);
  const profiles = profileDir ? await profileSummaries(profileDir) : {};
  for (const [name, summary] of Object.entries(profiles)) console.log(`\nCPU profile of the ${name}\n${renderProfile(summary)}`);

  await mkdir(path.dirname(args.out!), { recursive: true });
  await writeFile(
    args.out!,
    `${JSON.stringify(
      {
        mode,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        machine,
        profile,
        prices: PRICES,
        results,
        rows,
        goals: goalRows(results),
        table,
        profiles,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nWrote ${path.relative(process.cwd(), args.out!) || args.out}`);
}

/** Which process each pid was: the platform (gateway, handlers, pollers, SMTP door) or its stand-ins. */
const processNames = new Map<number, string>();

/** Who used the CPU of the platform and the stand-ins while HTTP accept was saturated, from the accept phase's profiles. */
async function acceptCpuShares(dir: string, window: ClockWindow): Promise<CpuShares | undefined> {
  const phase = path.join(dir, "accept");
  const files = await readdir(phase).catch(() => [] as string[]);
  const profileOf = async (name: string) => {
    const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f) && processNames.get(Number(f.split(".")[3])) === name);
    return file ? JSON.parse(await readFile(path.join(phase, file), "utf8")) : undefined;
  };
  const [platform, standIns] = await Promise.all([profileOf("platform"), profileOf("stand-ins")]);
  return platform && standIns ? cpuShares(platform, standIns, window) : undefined;
}

/** The main thread's profile of each platform process (worker threads, e.g. tsx's loader, left out). */
async function profileSummaries(dir: string): Promise<Record<string, ProfileSummary>> {
  const summaries: Record<string, ProfileSummary> = {};
  for (const phase of await readdir(dir)) {
    // Node names profiles CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile; thread 0 is the main thread.
    const files = (await readdir(path.join(dir, phase))).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).sort();
    for (const f of files) {
      const pid = Number(f.split(".")[3]);
      const file = path.join(dir, phase, f);
      summaries[`${processNames.get(pid) ?? `pid ${pid}`}, ${phase}: ${path.relative(process.cwd(), file)}`] = summarizeProfile(
        JSON.parse(await readFile(file, "utf8")),
        15,
      );
    }
  }
  return summaries;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
