// The one table `npm run bench` prints: each figure beside its same-run reference, the ratio and
// the goal it is held to. Markdown: `npm run bench:report` writes it into docs/performance.md as it is.
import type { BundlesResult } from "./bundles.ts";
import { PRICES, type Cost } from "./cost.ts";
import type { DeliveryResult } from "./delivery.ts";
import type { HttpAcceptResult } from "./http-accept.ts";
import type { ReadSideResult } from "./read-side.ts";
import type { SmtpRunResult, SmtpSection } from "./smtp.ts";
import type { SoakResult } from "./soak.ts";

export interface Row {
  figure: string;
  posthaste: string;
  reference: string;
  ratio: string;
  goal: string;
  /** true / false against the goal; undefined when there is no goal or no figure. */
  met?: boolean;
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)} ms` : "n/a");
const usd = (n: number) => (Number.isFinite(n) ? `$${n < 0.01 ? n.toFixed(4) : n.toFixed(3)}` : "n/a");
const kb = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${Math.round(bytes / 1024).toLocaleString("en-US")} KB`);
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(a / b < 0.1 ? 3 : 2)}x` : "n/a";

export interface Results {
  http?: HttpAcceptResult;
  delivery?: DeliveryResult;
  smtp?: SmtpSection;
  bundles?: BundlesResult;
  reads?: ReadSideResult;
  soak?: SoakResult;
}

export function buildRows(r: Results): Row[] {
  const rows: Row[] = [];
  if (r.http) {
    const { single, fixedRate, batch } = r.http;
    rows.push(
      {
        figure: `1. HTTP accept, 1 recipient/request, ${single.connections} connections: requests/s`,
        posthaste: int(single.posthaste.requestsPerSecond),
        reference: `${int(single.reference.requestsPerSecond)} (bare Node HTTP)`,
        ratio: ratio(single.posthaste.requestsPerSecond, single.reference.requestsPerSecond),
        goal: ">= 1,000",
        met: single.posthaste.requestsPerSecond >= 1000,
      },
      {
        figure: "   CPU per request: platform process / stand-ins process",
        posthaste: `${ms(single.cpuMsPerRequest)} / ${ms(single.standInsCpuMsPerRequest)}`,
        reference: "",
        ratio: "",
        goal: "",
      },
      {
        figure: "   its AWS calls alone, no Posthaste code: accepts/s",
        posthaste: int(r.http.awsCallsAlone.perSecond),
        reference: `CPU ${ms(r.http.awsCallsAlone.clientCpuMs)} SDK / ${ms(r.http.awsCallsAlone.standInsCpuMs)} stand-ins`,
        ratio: ratio(single.posthaste.requestsPerSecond, r.http.awsCallsAlone.perSecond),
        goal: "",
      },
      {
        figure: "   latency at saturation, p50 / p99",
        posthaste: `${ms(single.posthaste.p50Ms)} / ${ms(single.posthaste.p99Ms)}`,
        reference: `${ms(single.reference.p50Ms)} / ${ms(single.reference.p99Ms)}`,
        ratio: ratio(single.posthaste.p99Ms, single.reference.p99Ms),
        goal: "",
      },
      {
        figure: `   latency at ${fixedRate.posthaste.rate} requests/s, p50 / p99`,
        posthaste: `${ms(fixedRate.posthaste.p50Ms)} / ${ms(fixedRate.posthaste.p99Ms)}`,
        reference: `${ms(fixedRate.reference.p50Ms)} / ${ms(fixedRate.reference.p99Ms)}`,
        ratio: ratio(fixedRate.posthaste.p99Ms, fixedRate.reference.p99Ms),
        goal: "p99 <= 50 ms",
        met: fixedRate.posthaste.p99Ms <= 50 && fixedRate.posthaste.failed === 0,
      },
      ...(r.delivery
        ? [
            {
              figure: `   latency at ${r.delivery.light.rate} requests/s (light load), p50 / p99`,
              posthaste: `${ms(r.delivery.light.acceptLatency.p50Ms)} / ${ms(r.delivery.light.acceptLatency.p99Ms)}`,
              reference: "",
              ratio: "",
              goal: "",
            },
          ]
        : []),
      {
        figure: `2. HTTP accept, batches of ${int(batch.recipients)}, ${batch.connections} connections: recipients/s`,
        posthaste: int(batch.posthaste.recipientsPerSecond),
        reference: `${int(batch.reference.recipientsPerSecond)} (bare Node HTTP)`,
        ratio: ratio(batch.posthaste.recipientsPerSecond, batch.reference.recipientsPerSecond),
        goal: ">= 10,000",
        met: batch.posthaste.recipientsPerSecond >= 10_000,
      },
    );
  }
  if (r.delivery) {
    const { light, offered, reference, saturation } = r.delivery;
    const lost = light.lost + offered.lost + saturation.posthaste.lost;
    rows.push(
      {
        figure: `3. Accept to delivered at ${offered.rate} messages/s, p50 / p99`,
        posthaste: `${ms(offered.latency.p50Ms)} / ${ms(offered.latency.p99Ms)}`,
        reference: `${ms(reference.latency.p50Ms)} / ${ms(reference.latency.p99Ms)} (mailbox alone)`,
        ratio: ratio(offered.latency.p99Ms, reference.latency.p99Ms),
        goal: "p50 <= 300 ms, p99 <= 1 s",
        met: offered.latency.p50Ms <= 300 && offered.latency.p99Ms <= 1000 && offered.lost === 0,
      },
      {
        figure: `   at light load, ${light.rate} messages/s, p50 / p99`,
        posthaste: `${ms(light.latency.p50Ms)} / ${ms(light.latency.p99Ms)}`,
        reference: "",
        ratio: "",
        goal: "",
      },
      {
        figure: "   delivered rate at saturation: messages/s",
        posthaste: int(saturation.posthaste.messagesPerSecond),
        reference: `${int(saturation.reference.messagesPerSecond)} (mailbox alone)`,
        ratio: ratio(saturation.posthaste.messagesPerSecond, saturation.reference.messagesPerSecond),
        goal: "",
      },
      {
        figure: "   accepted / delivered / lost (all runs)",
        posthaste: `${int(light.accepted + offered.accepted + saturation.posthaste.accepted)} / ${int(light.delivered + offered.delivered + saturation.posthaste.delivered)} / ${int(lost)}`,
        reference: "",
        ratio: "",
        goal: "nothing lost",
        met: lost === 0 && offered.accepted > 0,
      },
    );
  }
  rows.push(...smtpRows(r.smtp));
  if (r.delivery) {
    const costRow = (figure: string, cost: Cost): Row => ({
      figure,
      posthaste: usd(cost.totalPerThousand),
      reference: `${usd(PRICES.sesMessage * 1000)} (SES)`,
      ratio: ratio(cost.totalPerThousand, PRICES.sesMessage * 1000),
      goal: "<= $0.01",
      met: cost.totalPerThousand <= 0.01,
    });
    rows.push(
      costRow("5. AWS cost per 1,000 messages, 1 recipient/request", r.delivery.cost.single),
      costRow(
        `   AWS cost per 1,000 messages, batches of ${int(Math.min(r.http?.batch.recipients ?? 1000, Math.max(1, r.delivery.saturation.posthaste.accepted)))}`,
        r.delivery.cost.batch,
      ),
    );
  }
  if (r.bundles && r.bundles.functions.length > 0) {
    const ref = r.bundles.reference;
    const largest = r.bundles.functions.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const slowest = r.bundles.functions.reduce((a, b) => (b.initMs > a.initMs ? b : a));
    const n = r.bundles.functions.length;
    rows.push(
      {
        figure: `6. Lambda bundle, largest of ${n} (${largest.name})`,
        posthaste: kb(largest.bytes),
        reference: `${kb(ref.bytes)} (empty handler)`,
        ratio: "",
        goal: "<= 500 KB",
        met: largest.bytes <= 500 * 1024,
      },
      {
        figure: `   cold init, slowest of ${n} (${slowest.name})`,
        posthaste: ms(slowest.initMs),
        reference: `${ms(ref.initMs)} (empty handler)`,
        ratio: ratio(slowest.initMs, ref.initMs),
        goal: "<= 150 ms",
        met: slowest.initMs <= 150,
      },
    );
  }
  rows.push(...readRows(r.reads));
  return rows;
}

function readRows(reads: ReadSideResult | undefined): Row[] {
  if (!reads) return [];
  const { counters, logs, statistics } = reads;
  const share = counters.on.requestsPerSecond / counters.off.requestsPerSecond;
  return [
    {
      figure: "7. HTTP accept with statistics counters: requests/s",
      posthaste: int(counters.on.requestsPerSecond),
      reference: `${int(counters.off.requestsPerSecond)} (counters off)`,
      ratio: ratio(counters.on.requestsPerSecond, counters.off.requestsPerSecond),
      goal: ">= 0.9x",
      met: share >= 0.9,
    },
    {
      figure: "   of it the counters: DynamoDB requests / write units per message accepted",
      posthaste: `${counters.on.counterRequestsPerMessage.toFixed(3)} / ${counters.on.counterWriteUnitsPerMessage.toFixed(3)}`,
      reference: `${counters.on.writeUnitsPerMessage.toFixed(2)} WRU in all (${counters.off.writeUnitsPerMessage.toFixed(2)} counters off)`,
      ratio: "",
      goal: "",
    },
    {
      figure: `   logs page of ${logs.pageSize}, ${int(logs.stored)} messages stored, p50 / p99`,
      posthaste: `${ms(logs.p50Ms)} / ${ms(logs.p99Ms)}`,
      reference: "",
      ratio: "",
      goal: "",
    },
    {
      figure: "   logs page: index entries / messages read per page (most index entries)",
      posthaste: `${int(logs.keysReadPerPage)} / ${int(logs.itemsReadPerPage)} (${int(logs.maxKeysRead)})`,
      reference: `${int(logs.pageSize)} (page size)`,
      ratio: ratio(logs.keysReadPerPage, logs.pageSize),
      goal: "bounded by the page",
      met: logs.maxKeysRead <= 4 * logs.pageSize + 8 * 16,
    },
    {
      figure: "   statistics for a year: p50 / p99",
      posthaste: `${ms(statistics.p50Ms)} / ${ms(statistics.p99Ms)}`,
      reference: `${int(statistics.total)} messages counted`,
      ratio: "",
      goal: "",
    },
    {
      figure: "   statistics for a year: DynamoDB requests per answer",
      posthaste: int(statistics.readsPerAnswer),
      reference: "",
      ratio: "",
      goal: "<= 20",
      met: statistics.readsPerAnswer <= 20,
    },
  ];
}

function smtpRows(smtp: SmtpSection | undefined): Row[] {
  if (smtp?.status !== "measured") {
    return [
      {
        figure: "4. SMTP ingest",
        posthaste: smtp?.status === "failed" ? `failed: ${smtp.error}` : "not available",
        reference: "",
        ratio: "",
        goal: ">= 1,000 messages/s, >= 50% of sink",
      },
    ];
  }
  const rows: Row[] = [];
  for (const run of smtp.runs) {
    const share = run.posthaste.messagesPerSecond / run.reference.messagesPerSecond;
    rows.push({
      figure: `4. SMTP ingest, ${run.label}: messages/s`,
      posthaste: int(run.posthaste.messagesPerSecond),
      reference: `${int(run.reference.messagesPerSecond)} (bare smtp-server)`,
      ratio: ratio(run.posthaste.messagesPerSecond, run.reference.messagesPerSecond),
      goal: run.reused ? ">= 1,000, >= 0.5x" : "",
      met: run.reused ? run.posthaste.messagesPerSecond >= 1000 && share >= 0.5 : undefined,
    });
    if (run.reused && run.posthaste.cpuMsPerMessage !== undefined) rows.push(smtpCpuRow(run.posthaste, run.reference, "   "));
  }
  return rows;
}

/** What one SMTP message costs in CPU, which contention moves far less than the rate. */
export function smtpCpuRow(posthaste: SmtpRunResult, reference: SmtpRunResult, prefix: string): Row {
  const cpu = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "n/a" : `${n.toFixed(2)} ms`);
  const client = reference.clientCpuMsPerMessage === undefined ? "" : `; client ${cpu(reference.clientCpuMsPerMessage)}`;
  return {
    figure: `${prefix}CPU per message: platform / stand-ins; AWS requests per message`,
    posthaste: `${cpu(posthaste.cpuMsPerMessage)} / ${cpu(posthaste.standInsCpuMsPerMessage)}; ${posthaste.awsRequestsPerMessage?.toFixed(2) ?? "n/a"}`,
    reference: `${cpu(reference.cpuMsPerMessage)} (bare smtp-server)${client}`,
    ratio: "",
    goal: "",
  };
}

/** A padded Markdown table: every column as wide as its widest cell. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** Rows of figures beside their references, the last column saying whether each met its goal. */
export function renderRows(rows: Row[], header: string[], [met, short]: [string, string]): string {
  const cells = (row: Row) => [
    row.figure,
    row.posthaste,
    row.reference,
    row.ratio,
    row.goal,
    row.met === undefined ? "" : row.met ? met : short,
  ];
  return markdownTable(header, rows.map(cells));
}

export const renderTable = (rows: Row[]): string =>
  renderRows(rows, ["Figure", "Posthaste", "Reference (same run)", "Ratio", "Goal", "Met"], ["yes", "NO"]);

/** AWS requests per message by service and operation, and what they cost, for the notes under the table. */
export function renderCostDetail(r: Results): string {
  const parts: [string, Cost | undefined][] = [
    ["accept, 1 recipient/request (saturated run)", r.http?.single.cost],
    [`accept, batches of ${r.http?.batch.recipients ?? "?"} (saturated run)`, r.http?.batch.cost],
    ["accept + delivery, 1 recipient/request (light load)", r.delivery?.cost.single],
    ["accept + delivery, batches (backlog)", r.delivery?.cost.batch],
  ];
  const lines: string[] = [];
  for (const [label, cost] of parts) {
    if (!cost) continue;
    const requests = Object.entries(cost.requestsPerMessage)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n.toFixed(n < 0.1 ? 3 : 2)}`)
      .join(", ");
    const services = Object.entries(cost.perThousand)
      .map(([name, v]) => `${name} ${usd(v)}`)
      .join(", ");
    lines.push(
      `- ${label}: ${usd(cost.totalPerThousand)} per 1,000 (${services}); per message: ${requests}; ` +
        `DynamoDB ${cost.dynamoWriteUnitsPerMessage.toFixed(2)} WRU + ${cost.dynamoReadUnitsPerMessage.toFixed(2)} RRU; Lambda ${cost.lambdaMsPerMessage.toFixed(2)} ms`,
    );
  }
  return lines.join("\n");
}

/** Every function's bundle and cold init, under the main table. */
export function renderBundles(bundles: BundlesResult | undefined): string {
  if (!bundles || bundles.functions.length === 0) return "";
  const rows = bundles.functions.map((f) => [
    f.name,
    kb(f.bytes),
    kb(f.gzipBytes),
    ms(f.initMs),
    ms(f.initMsWithoutSourceMaps),
    f.largestPackages
      .slice(0, 3)
      .map((p) => `${p.name} ${kb(p.bytes)}`)
      .join(", "),
  ]);
  const header = ["Function", "Bundle", "gzip", "Cold init", "without source maps", "Largest parts"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
