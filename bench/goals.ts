// The six goals of the current performance round, one row each, from what the run measured:
// each beside its same-run reference with a pass/short mark, or "not measured" when this run
// (or the bench as it stands) has no figure for it. Also each function's compute cost and the
// DynamoDB write units of each step of a message.
import { OVER_BUDGET_CEILINGS_BYTES, BUNDLE_BUDGET_BYTES } from "../cdk/lambda-bundling.ts";
import { CONSUMERS, ROUTES, SCHEDULES } from "../functions/manifest.ts";
import { MEMORY_MB, PRICES, type Durations } from "./cost.ts";
import { FLAT_MEMORY_TOLERANCE, soakGrowth } from "./soak.ts";
import type { CpuShares } from "./profile-summary.ts";
import { markdownTable, renderRows, smtpCpuRow, type Results, type Row } from "./table.ts";

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
const notMeasured = (figure: string, goal: string, why: string): Row => ({
  figure,
  posthaste: "not measured",
  reference: why,
  ratio: "",
  goal,
});

export function goalRows(r: Results): Row[] {
  const rows: Row[] = [];

  const smtp = r.smtp?.status === "measured" ? r.smtp.runs.find((run) => run.reused) : undefined;
  if (smtp) {
    const share = smtp.posthaste.messagesPerSecond / smtp.reference.messagesPerSecond;
    rows.push({
      figure: `G1. SMTP ingest, ${smtp.label}: messages/s`,
      posthaste: int(smtp.posthaste.messagesPerSecond),
      reference: `${int(smtp.reference.messagesPerSecond)} (bare smtp-server)`,
      ratio: `${fixed(share, 2)}x`,
      goal: ">= 0.5x and >= 1,000",
      met: share >= 0.5 && smtp.posthaste.messagesPerSecond >= 1000,
    });
    if (smtp.posthaste.cpuMsPerMessage !== undefined) rows.push(smtpCpuRow(smtp.posthaste, smtp.reference, "G1. SMTP "));
  } else rows.push(notMeasured("G1. SMTP ingest, reused connections", ">= 0.5x and >= 1,000", "smtp skipped or failed"));

  const deliveryCpu = deliverCpuPerMessage(r);
  if (r.delivery) {
    const { offered, reference } = r.delivery;
    rows.push({
      figure: `G2. Accept to delivered at ${int(offered.rate)}/s, p99; Deliver CPU per message`,
      posthaste: `${int(offered.latency.p99Ms)} ms; ${
        Number.isFinite(deliveryCpu.cpuMs)
          ? `${fixed(deliveryCpu.cpuMs)} ms CPU${deliveryCpu.overlapped ? " (with what ran beside it)" : ""}`
          : "CPU not measured"
      }`,
      reference: `${int(reference.latency.p99Ms)} ms (mailbox alone)`,
      ratio: "",
      goal: "p99 <= 1 s; CPU half of the last round's",
      met: offered.latency.p99Ms <= 1000 ? undefined : false,
    });
  } else rows.push(notMeasured("G2. Accept to delivered p99; Deliver CPU per message", "p99 <= 1 s; CPU halved", "delivery skipped"));

  if (r.bundles?.functions.length) {
    const largest = r.bundles.functions.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const slowest = r.bundles.functions.reduce((a, b) => (b.initMs > a.initMs ? b : a));
    const over = r.bundles.functions.filter((f) => f.bytes > BUNDLE_BUDGET_BYTES).length;
    rows.push(
      {
        figure: `G3. Lambda bundle, largest of ${r.bundles.functions.length} (${largest.name}); over 500 KB: ${over}`,
        posthaste: kb(largest.bytes),
        reference: `${r.bundles.reference.bytes} B (empty handler)`,
        ratio: "",
        goal: "<= 500 KB each",
        met: over === 0,
      },
      {
        figure: `G3. Cold init, slowest (${slowest.name})`,
        posthaste: `${int(slowest.initMs)} ms`,
        reference: `${int(r.bundles.reference.initMs)} ms (empty handler)`,
        ratio: `${fixed(slowest.initMs / r.bundles.reference.initMs, 2)}x`,
        goal: "<= 150 ms each",
        met: slowest.initMs <= 150,
      },
    );
  } else rows.push(notMeasured("G3. Lambda bundles and cold init", "<= 500 KB, <= 150 ms", "bundles skipped"));
  const costs = functionCosts(r);
  rows.push(
    costs.length
      ? {
          figure: `G3. Lambda compute per 1,000 messages, ${costs.length} functions (table below)`,
          posthaste: `$${fixed(
            costs.reduce((sum, c) => sum + c.usdPerThousand, 0),
            5,
          )}`,
          reference: "",
          ratio: "",
          goal: "measured per function",
        }
      : notMeasured("G3. Lambda compute per function", "measured per function", "no handler timings in this run"),
  );

  rows.push(soakRow(r));

  if (r.http) {
    const share = r.http.single.posthaste.requestsPerSecond / r.http.awsCallsAlone.perSecond;
    rows.push(
      {
        figure: "G5. HTTP accept, 1 recipient: requests/s",
        posthaste: int(r.http.single.posthaste.requestsPerSecond),
        reference: `${int(r.http.awsCallsAlone.perSecond)} (its AWS calls alone)`,
        ratio: `${fixed(share, 2)}x`,
        goal: ">= 0.85x",
        met: share >= 0.85,
      },
      ownCodeRow(r.http.single.cpuShares),
    );
  } else rows.push(notMeasured("G5. HTTP accept vs its AWS calls alone", ">= 0.85x", "http skipped"));

  const single = r.delivery?.cost.single;
  rows.push(
    single
      ? {
          figure: "G6. AWS overhead per 1,000 messages, 1 recipient, accepted and delivered",
          posthaste: `$${fixed(single.totalPerThousand, 4)}; ${fixed(single.dynamoWriteUnitsPerMessage, 2)} WRU`,
          reference: `$${fixed(PRICES.sesMessage * 1000, 3)} (SES)`,
          ratio: `${fixed(single.totalPerThousand / (PRICES.sesMessage * 1000), 3)}x`,
          goal: "<= $0.005",
          met: single.totalPerThousand <= 0.005,
        }
      : notMeasured("G6. AWS overhead per 1,000 messages", "<= $0.005", "delivery skipped"),
  );
  return rows;
}

/** G4: each process's resident memory at the end of the soak against after its first minute, and nothing lost. */
function soakRow(r: Results): Row {
  const goal = "within 20% of minute 1; none lost";
  if (!r.soak) return notMeasured("G4. Resident memory over the soak", goal, "soak skipped");
  if (r.soak.status === "failed") return notMeasured("G4. Resident memory over the soak", goal, `failed: ${r.soak.error}`);
  const soak = r.soak;
  const growth = soakGrowth(soak);
  const pct = (n: number) => `${n >= 0 ? "+" : ""}${Math.round(n * 100)}%`;
  return {
    figure: `G4. Resident memory, ${fixed(soak.seconds / 60)}-minute soak at ${int(soak.rates.http + soak.rates.smtp)}/s: end vs minute ${fixed(soak.baselineAt / 60)}, platform; stand-ins; lost`,
    posthaste: `${int(soak.end.platformMb)} MB (${pct(growth.platform)}); ${int(soak.end.standInsMb)} MB (${pct(growth.standIns)}); ${int(soak.lost)} lost`,
    reference: `${int(soak.baseline.platformMb)} MB; ${int(soak.baseline.standInsMb)} MB (after minute ${fixed(soak.baselineAt / 60)})`,
    ratio: `${fixed(soak.end.platformMb / soak.baseline.platformMb, 2)}x; ${fixed(soak.end.standInsMb / soak.baseline.standInsMb, 2)}x`,
    goal,
    met: Math.abs(growth.platform) <= FLAT_MEMORY_TOLERANCE && Math.abs(growth.standIns) <= FLAT_MEMORY_TOLERANCE && soak.lost === 0,
  };
}

/**
 * Posthaste's own code (its shared/ and functions/ code, middy, zod, Powertools and any other
 * library it calls; not the SDK, not the stand-ins) as a share of a request's CPU: of the
 * platform's and the stand-ins' CPU while HTTP accept was saturated, from their profiles cut to
 * that window. The share of the platform process alone, and what the local gateway and the
 * bench's meter took (in the process, in no Lambda), are shown beside it.
 */
function ownCodeRow(shares: CpuShares | undefined): Row {
  const figure = "G5. Posthaste's own code, share of a request's CPU";
  if (!shares || shares.platformMs + shares.standInsMs === 0) return notMeasured(figure, "< 10%", "run with --profile");
  const share = shares.ownMs / (shares.platformMs + shares.standInsMs);
  const percent = (n: number, of: number) => `${fixed((100 * n) / Math.max(1, of))}%`;
  return {
    figure,
    posthaste: `${percent(shares.ownMs, shares.platformMs + shares.standInsMs)} (${percent(shares.ownMs, shares.platformMs)} of the platform process)`,
    reference: `gateway stand-in ${percent(shares.gatewayMs, shares.platformMs)}, bench meter ${percent(shares.meterMs, shares.platformMs)}`,
    ratio: "",
    goal: "< 10%",
    met: share < 0.1,
  };
}

/**
 * Deliver's CPU per message under light load, from the invocations no other one overlapped
 * (bench/usage-meter.ts): at 10 messages/s many deliveries run beside the accept of the next
 * request, and the process's CPU would then count both.
 */
function deliverCpuPerMessage(r: Results): { cpuMs: number; overlapped: boolean } {
  const deliver = CONSUMERS.find((c) => c.queue === "deliveries");
  const d = deliver ? r.delivery?.durations[deliver.entry] : undefined;
  return { cpuMs: d?.cpuMsPerRecord ?? NaN, overlapped: d?.cpuOverlapped === true };
}

export interface FunctionCost {
  name: string;
  memoryMb: number;
  wallMs: number;
  cpuMs: number;
  /** Compute (GB-seconds) and requests, per 1,000 messages. */
  gbSecondsPerThousand: number;
  usdPerThousand: number;
  /** The same work at other memory sizes: Lambda gives a function CPU in proportion to its memory. */
  at: { memoryMb: number; ms: number; usdPerThousand: number }[];
}

/** Lambda gives one full vCPU at 1,769 MB, and a share in proportion below it. */
const FULL_VCPU_MB = 1769;
const CANDIDATE_MB = [256, 512, 1024, 1769];

/**
 * Each measured function's compute at its configured memory, from its wall and CPU time per
 * message with one invocation in flight (the light-load windows). The estimate at another size
 * stretches the CPU part by the vCPU share (CPU time stays, the wait for AWS calls stays).
 */
export function functionCosts(r: Results): FunctionCost[] {
  const measured: Durations = { ...r.http?.calibration.single, ...r.delivery?.durations };
  const consumers = new Set(CONSUMERS.map((c) => c.entry));
  const names = new Map([...ROUTES, ...CONSUMERS, ...SCHEDULES].map((d) => [d.entry, d.name]));
  return Object.entries(measured)
    .filter(([entry]) => names.has(entry))
    .map(([entry, d]) => {
      // Queue consumers handle several messages an invocation; a route one request (one message here).
      const perMessage = consumers.has(entry);
      const wallMs = perMessage ? d.msPerRecord : d.msPerInvocation;
      const cpuMs = (perMessage ? d.cpuMsPerRecord : d.cpuMsPerInvocation) ?? NaN;
      const invocationsPerMessage = perMessage ? d.msPerRecord / d.msPerInvocation : 1;
      const cost = (memoryMb: number) => {
        const share = Math.min(1, memoryMb / FULL_VCPU_MB);
        const cpu = Number.isFinite(cpuMs) ? Math.min(cpuMs, wallMs) : 0;
        const ms = wallMs - cpu + cpu / share;
        const gbSeconds = ((ms + 0.5 * invocationsPerMessage) / 1000) * (memoryMb / 1024);
        return {
          memoryMb,
          ms,
          gbSeconds: gbSeconds * 1000,
          usd: 1000 * (gbSeconds * PRICES.lambdaGbSecond + invocationsPerMessage * PRICES.lambdaRequest),
        };
      };
      const memoryMb = MEMORY_MB.get(entry) ?? 512;
      const now = cost(memoryMb);
      return {
        name: names.get(entry)!,
        memoryMb,
        wallMs,
        cpuMs,
        gbSecondsPerThousand: now.gbSeconds,
        usdPerThousand: now.usd,
        at: CANDIDATE_MB.map((mb) => cost(mb)).map((c) => ({ memoryMb: c.memoryMb, ms: c.ms, usdPerThousand: c.usd })),
      };
    });
}

export function renderFunctionCosts(r: Results): string {
  const costs = functionCosts(r);
  if (!costs.length) return "";
  const header = [
    "Function",
    "Memory",
    "Wall ms/msg",
    "CPU ms/msg",
    "GB-s per 1,000",
    "$ per 1,000",
    ...CANDIDATE_MB.map((mb) => `at ${mb} MB: ms, $/1,000`),
  ];
  const rows = costs.map((c) => [
    c.name,
    `${c.memoryMb} MB`,
    fixed(c.wallMs),
    fixed(c.cpuMs),
    fixed(c.gbSecondsPerThousand, 3),
    `$${fixed(c.usdPerThousand, 5)}`,
    ...c.at.map((a) => `${fixed(a.ms)}, $${fixed(a.usdPerThousand, 5)}`),
  ]);
  return markdownTable(header, rows);
}

/** DynamoDB write units per message by step, index entries apart (accept and delivery, 1 recipient). */
export function renderWriteSteps(r: Results): string {
  const steps = r.delivery?.cost.single.writeSteps;
  if (!steps || !Object.keys(steps).length) return "";
  const indexes = [...new Set(Object.values(steps).flatMap((s) => Object.keys(s.index)))].sort();
  const total = (s: { table: number; index: Record<string, number> }) => s.table + Object.values(s.index).reduce((a, b) => a + b, 0);
  const entries = Object.entries(steps).filter(([, s]) => total(s) > 0);
  const rows = entries.map(([step, s]) => [step, fixed(s.table, 2), ...indexes.map((i) => fixed(s.index[i] ?? 0, 2)), fixed(total(s), 2)]);
  const sum = (pick: (s: { table: number; index: Record<string, number> }) => number) => entries.reduce((a, [, s]) => a + pick(s), 0);
  rows.push([
    "all",
    fixed(
      sum((s) => s.table),
      2,
    ),
    ...indexes.map((i) =>
      fixed(
        sum((s) => s.index[i] ?? 0),
        2,
      ),
    ),
    fixed(sum(total), 2),
  ]);
  return markdownTable(["Step (function, operation, items)", "table", ...indexes.map((i) => `index ${i}`), "WRU per message"], rows);
}

/** Budget ceilings the CDK test holds the over-budget bundles to, for the notes. */
export const overBudget = () => Object.entries(OVER_BUDGET_CEILINGS_BYTES).map(([name, bytes]) => `${name} ${kb(bytes)}`);

/** The goals' table and its two detail tables, as `npm run bench` prints them and the report writes them. */
export function renderGoals(r: Results): string {
  const functions = renderFunctionCosts(r);
  const steps = renderWriteSteps(r);
  return [
    renderGoalTable(goalRows(r)),
    ...(functions
      ? [
          "",
          "Lambda compute per function (wall and CPU time per message with one invocation in flight, at light load; provisional on a shared machine), and the same work at other memory sizes:",
          "",
          functions,
        ]
      : []),
    ...(steps
      ? ["", "DynamoDB write units per message by step, 1 recipient accepted and delivered (index entries apart):", "", steps]
      : []),
  ].join("\n");
}

const renderGoalTable = (rows: Row[]): string =>
  renderRows(rows, ["Goal", "Posthaste", "Reference (same run)", "Ratio", "Target", "Mark"], ["pass", "short"]);
