// Where a platform process spends its CPU, from a `node --cpu-prof` profile (`npm run bench --
// --profile` writes them). Each sample is charged to the first frame up its stack that belongs
// to a package or to our code, so Node's own HTTP, stream and crypto work is charged to whoever
// asked for it (the SDK client, a stand-in, the gateway), then packages are grouped by role.
//
//   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** Microseconds on the system's monotonic clock (process.hrtime's, on Linux). */
  startTime?: number;
}

/** A stretch of the monotonic clock, in microseconds (process.hrtime.bigint() / 1000). */
export interface ClockWindow {
  startUs: number;
  endUs: number;
}

/** The monotonic clock now, in microseconds: the clock of a CPU profile's sample times. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** The profile's samples taken within the window only. */
export function withinWindow(profile: CpuProfile, window: ClockWindow): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime ?? 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= window.startUs && at <= window.endUs) {
      samples.push(id);
      timeDeltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  return { ...profile, samples, timeDeltas };
}

/** Roles that are Posthaste's own work: its code and the libraries its handlers run in. */
const isOwnCode = (role: string) =>
  role.startsWith("Posthaste code (shared/") ||
  role.startsWith("Posthaste code (functions/") ||
  role === HANDLER_LIBRARIES ||
  role.startsWith("other package");

export interface CpuShares {
  /** Busy (not idle) milliseconds sampled in the window, per process. */
  platformMs: number;
  standInsMs: number;
  /** Posthaste's code, its handler libraries and other packages it calls, in the platform process. */
  ownMs: number;
  /** The local API Gateway stand-in and the bench's own meter: in the measured process, in no Lambda. */
  gatewayMs: number;
  meterMs: number;
}

/** Who used the CPU of the two processes while a load ran, from their profiles cut to its window. */
export function cpuShares(platform: CpuProfile, standIns: CpuProfile, window: ClockWindow): CpuShares {
  const roles = (profile: CpuProfile) => summarizeProfile(withinWindow(profile, window), Infinity).byRole;
  const busy = (byRole: ProfileSummary["byRole"]) => byRole.filter((r) => r.role !== "idle").reduce((sum, r) => sum + r.ms, 0);
  const platformRoles = roles(platform);
  const sum = (pick: (role: string) => boolean) => platformRoles.filter((r) => pick(r.role)).reduce((total, r) => total + r.ms, 0);
  return {
    platformMs: busy(platformRoles),
    standInsMs: busy(roles(standIns)),
    ownMs: sum(isOwnCode),
    gatewayMs: sum((role) => role.startsWith("local runtime (local/gateway")),
    meterMs: sum((role) => role === "Posthaste code (bench/)"),
  };
}

export const HANDLER_LIBRARIES = "handler libraries (middy, zod, Powertools)";

/** What a package is in the local platform. Anything else under node_modules is "other package". */
const ROLES: [RegExp, string][] = [
  [
    /^(dynalite|classic-level|abstract-level|level|leveldown|memdown|levelup|encoding-down|subleveldown|lazy|big\.js|once|buffer-crc32)/,
    "stand-in: DynamoDB (dynalite + LevelDB)",
  ],
  [/^(s3rver|koa|@koa|xmlbuilder2|fast-xml-parser|busboy|statuses|http-errors|koa-.*|@oozcitak)/, "stand-in: S3 (s3rver)"],
  [/^(fauxqs|fastify|@fastify|light-my-request|find-my-way|avvio|pino|fast-json-stringify)/, "stand-in: SQS (fauxqs)"],
  [/^(@smithy|@aws-sdk|@aws-crypto|fast-xml-parser|strnum|bowser|tslib|uuid)/, "AWS SDK clients"],
  [
    /^(smtp-server|mailparser|libmime|libqp|libbase64|iconv-lite|encoding-japanese|punycode|linkify-it|html-to-text|tlds|he)/,
    "smtp-server + mailparser (SMTP door; mailbox)",
  ],
  [/^nodemailer/, "nodemailer (delivery transport)"],
  [/^(@middy|zod|@aws-lambda-powertools|@aws\/lambda-invoke-store)/, HANDLER_LIBRARIES],
  [/^(tsx|esbuild|get-tsconfig)/, "tsx (TypeScript loader)"],
];

const packageOf = (url: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];

function ownerOf(url: string): string | undefined {
  const pkg = packageOf(url);
  if (pkg) return ROLES.find(([pattern]) => pattern.test(pkg))?.[1] ?? `other package (${pkg})`;
  const ours = /\/(shared|functions|local|bench)\/[^/]+/.exec(url);
  if (ours) return url.includes("/local/") ? `local runtime (${ours[0].slice(1)})` : `Posthaste code (${ours[1]}/)`;
  return undefined;
}

export interface ProfileSummary {
  totalMs: number;
  byRole: { role: string; ms: number; share: number }[];
  byFunction: { name: string; ms: number; share: number }[];
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

  const selfTime = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
    total += dt;
  });

  const byRole = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const frame = nodes.get(id)!.callFrame;
    let role: string | undefined;
    if (frame.functionName === "(idle)") role = "idle";
    else if (frame.functionName === "(garbage collector)") role = "garbage collector";
    else {
      for (let at: number | undefined = id; at !== undefined && !role; at = parent.get(at)) {
        const url = nodes.get(at)!.callFrame.url;
        role = ownerOf(url) ?? (/node:internal\/modules/.test(url) ? "module loading" : undefined);
      }
    }
    role ??= "Node internals (unattributed)";
    byRole.set(role, (byRole.get(role) ?? 0) + time);
    const name = `${frame.functionName || "(anonymous)"} ${(frame.url || "(native)").replace(/.*node_modules\//, "").replace(/.*\/work\/[^/]+\//, "")}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  }
  const sorted = (m: Map<string, number>, key: "role" | "name") =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => ({ [key]: k, ms: Math.round(t / 1000), share: Math.round((1000 * t) / total) / 10 }));
  return {
    totalMs: Math.round(total / 1000),
    byRole: sorted(byRole, "role") as ProfileSummary["byRole"],
    byFunction: sorted(byFunction, "name") as ProfileSummary["byFunction"],
  };
}

export function renderProfile(summary: ProfileSummary): string {
  const line = (ms: number, share: number, what: string) => `${String(ms).padStart(8)} ms ${share.toFixed(1).padStart(5)}%  ${what}`;
  return [
    `${summary.totalMs} ms sampled`,
    "By role (Node's own work charged to its caller):",
    ...summary.byRole.map((r) => line(r.ms, r.share, r.role)),
    "Hottest functions (self time):",
    ...summary.byFunction.map((f) => line(f.ms, f.share, f.name)),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
  for (const file of positionals) {
    console.log(`\n${file}`);
    console.log(renderProfile(summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number(values.top))));
  }
}
