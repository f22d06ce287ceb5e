// Turns what a run counted (AWS requests, DynamoDB capacity, Lambda time) into US dollars per
// 1,000 messages at AWS list prices, to set beside SES's own $0.10 per 1,000.
import { CONSUMERS, ROUTES, SCHEDULES } from "../functions/manifest.ts";
import type { Usage } from "./platform.ts";
import { isDynamoRead, RUNTIME_SCOPE } from "./usage-meter.ts";

/**
 * List prices, us-east-1, on-demand, without free tiers, as published on the AWS pricing pages
 * (DynamoDB after its November 2024 on-demand reduction). Check them before quoting a result.
 */
export const PRICES = {
  asOf: "2025-06",
  region: "us-east-1",
  /** DynamoDB on-demand: per write request unit (1 KB) and read request unit (4 KB strongly consistent). */
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  /** SQS standard queue, per request (each 64 KB of payload is one request). */
  sqsRequest: 0.4 / 1e6,
  /** S3 Standard: PUT/COPY/POST/LIST, and GET/HEAD/other. */
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  /** Lambda on arm64 (first 7.5 billion GB-s a month). */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  /** API Gateway HTTP API, first 300 million a month, metered in 512 KB steps. */
  httpApiRequest: 1.0 / 1e6,
  httpApiMeterBytes: 512 * 1024,
  /** Amazon SES outbound email, the reference. */
  sesMessage: 0.1 / 1000,
} as const;

/** cdk/constructs/manifest-function.ts gives functions without memoryMb 512 MB. */
const DEFAULT_MEMORY_MB = 512;
export const MEMORY_MB = new Map([...ROUTES, ...CONSUMERS, ...SCHEDULES].map((def) => [def.entry, def.memoryMb ?? DEFAULT_MEMORY_MB]));

export const ACCEPT_SCOPES = ROUTES.filter((r) => r.name === "SendMessages").map((r) => r.entry);
export const DELIVERY_SCOPES = [...CONSUMERS.filter((c) => c.queue === "deliveries").map((c) => c.entry), RUNTIME_SCOPE];

export interface Cost {
  messages: number;
  /** USD per 1,000 messages, by AWS service. */
  perThousand: Record<"DynamoDB" | "SQS" | "S3" | "Lambda" | "API Gateway", number>;
  totalPerThousand: number;
  /** Billed requests per message by "Service Operation" (empty SQS receives are idle polling, left out). */
  requestsPerMessage: Record<string, number>;
  dynamoWriteUnitsPerMessage: number;
  dynamoReadUnitsPerMessage: number;
  /** Capacity units (GSI writes included) per message by operation. */
  dynamoUnitsPerMessage: Record<string, number>;
  lambdaMsPerMessage: number;
  /**
   * DynamoDB write units per message by step ("function operation items"), the table's own and
   * each index's apart, so a run shows where the units go.
   */
  writeSteps?: Record<string, { table: number; index: Record<string, number> }>;
}

/** A function's Lambda duration measured under light load, by entry file (see durationsOf). */
export type Durations = Record<
  string,
  {
    msPerInvocation: number;
    msPerRecord: number;
    cpuMsPerInvocation?: number;
    cpuMsPerRecord?: number;
    /** The CPU figures count what ran beside each invocation too: too few ran alone. */
    cpuOverlapped?: boolean;
  }
>;

/**
 * Handler times from a window without queueing. Under saturation the local platform runs many
 * invocations at once in one process and each one's wall time grows with the queue; on Lambda
 * each invocation has its instance to itself, so saturated times would overstate its duration.
 */
/** Fewer invocations than this that ran alone are too few to stand for the function. */
const MIN_ALONE = 5;

/**
 * CPU per invocation and record: of the invocations that ran alone (bench/usage-meter.ts) when
 * there are enough; else of all of them, with the CPU of whatever ran beside them (an upper
 * bound, marked `cpuOverlapped`).
 */
function cpuFigures(t: Usage["invocations"][string]) {
  if ((t.cpuInvocations ?? 0) >= MIN_ALONE && t.cpuRecords)
    return { cpuMsPerInvocation: (t.cpuMs ?? NaN) / t.cpuInvocations!, cpuMsPerRecord: (t.cpuMs ?? NaN) / t.cpuRecords };
  const overlapped = t.overlappedCpuMs ?? NaN;
  return {
    cpuMsPerInvocation: overlapped / t.invocations,
    cpuMsPerRecord: overlapped / Math.max(1, t.records),
    cpuOverlapped: true,
  };
}

export function durationsOf(usage: Usage): Durations {
  return Object.fromEntries(
    Object.entries(usage.invocations).map(([entry, t]) => [
      entry,
      {
        msPerInvocation: t.totalMs / t.invocations,
        msPerRecord: t.totalMs / Math.max(1, t.records),
        ...cpuFigures(t),
      },
    ]),
  );
}

const CONSUMER_ENTRIES = new Set(CONSUMERS.map((c) => c.entry));

/**
 * `scopes` picks the functions whose calls count (an entry file, or "runtime" for the pollers that
 * stand for Lambda's event source mapping); `httpRequests` are the API calls behind the messages.
 * Lambda time comes from `durations` where given (per record for queue consumers, whose batch
 * sizes differ with load; per invocation for routes), else from the window itself.
 */
export function costOf(
  usage: Usage,
  options: { messages: number; scopes: string[]; httpRequests: number; httpRequestBytes: number; durations?: Durations },
): Cost {
  const { messages, scopes } = options;
  const per = (value: number) => (messages > 0 ? value / messages : NaN);
  const usd = { DynamoDB: 0, SQS: 0, S3: 0, Lambda: 0, "API Gateway": 0 };
  const requests: Record<string, number> = {};
  let writeUnits = 0;
  let readUnits = 0;
  const units: Record<string, number> = {};
  const steps: NonNullable<Cost["writeSteps"]> = {};

  for (const call of usage.calls.filter((c) => scopes.includes(c.scope))) {
    const billed = call.requests - call.emptyReceives;
    if (billed > 0) requests[`${call.service} ${call.operation}`] = (requests[`${call.service} ${call.operation}`] ?? 0) + billed;
    if (call.service === "DynamoDB") {
      if (isDynamoRead(call.operation)) readUnits += call.capacityUnits;
      else writeUnits += call.capacityUnits + call.gsiWriteUnits;
      units[call.operation] = (units[call.operation] ?? 0) + call.capacityUnits + call.gsiWriteUnits;
      if (!isDynamoRead(call.operation)) {
        const step = `${shortScope(call.scope)} ${call.operation}${call.statisticsCounters ? " STATS" : ""}${call.items && !call.statisticsCounters ? ` ${call.items}` : ""}`;
        steps[step] ??= { table: 0, index: {} };
        steps[step].table += call.capacityUnits;
        for (const [index, n] of Object.entries(call.indexWriteUnits ?? {})) steps[step].index[index] = (steps[step].index[index] ?? 0) + n;
      }
    } else if (call.service === "SQS") usd.SQS += billed * PRICES.sqsRequest;
    else usd.S3 += billed * (/^(Put|Copy|Post|List|Create|Upload)/.test(call.operation) ? PRICES.s3Put : PRICES.s3Get);
  }
  usd.DynamoDB = writeUnits * PRICES.dynamoWriteUnit + readUnits * PRICES.dynamoReadUnit;

  let lambdaMs = 0;
  for (const [entry, tally] of Object.entries(usage.invocations)) {
    if (!scopes.includes(entry)) continue;
    const measured = options.durations?.[entry];
    const ms = !measured
      ? tally.totalMs
      : CONSUMER_ENTRIES.has(entry)
        ? measured.msPerRecord * tally.records
        : measured.msPerInvocation * tally.invocations;
    lambdaMs += ms;
    // Billed per started millisecond: on average half a millisecond more than measured.
    const gbSeconds = ((ms + tally.invocations * 0.5) / 1000) * ((MEMORY_MB.get(entry) ?? DEFAULT_MEMORY_MB) / 1024);
    usd.Lambda += tally.invocations * PRICES.lambdaRequest + gbSeconds * PRICES.lambdaGbSecond;
  }
  usd["API Gateway"] =
    options.httpRequests * Math.max(1, Math.ceil(options.httpRequestBytes / PRICES.httpApiMeterBytes)) * PRICES.httpApiRequest;

  const perThousand = Object.fromEntries(
    Object.entries(usd).map(([service, value]) => [service, per(value) * 1000]),
  ) as Cost["perThousand"];
  return {
    messages,
    perThousand,
    totalPerThousand: Object.values(perThousand).reduce((a, b) => a + b, 0),
    requestsPerMessage: Object.fromEntries(Object.entries(requests).map(([name, count]) => [name, per(count)])),
    dynamoWriteUnitsPerMessage: per(writeUnits),
    dynamoReadUnitsPerMessage: per(readUnits),
    dynamoUnitsPerMessage: Object.fromEntries(Object.entries(units).map(([operation, n]) => [operation, per(n)])),
    lambdaMsPerMessage: per(lambdaMs),
    writeSteps: Object.fromEntries(
      Object.entries(steps).map(([step, { table, index }]) => [
        step,
        { table: per(table), index: Object.fromEntries(Object.entries(index).map(([name, n]) => [name, per(n)])) },
      ]),
    ),
  };
}

/** functions/queues/deliver.ts: Deliver (the manifest's name); "runtime" stays. */
const NAMES = new Map([...ROUTES, ...CONSUMERS, ...SCHEDULES].map((def) => [def.entry, def.name]));
const shortScope = (scope: string) => NAMES.get(scope) ?? scope;

/** Accept and delivery priced separately, then added: what one message costs end to end. */
export function addCosts(a: Cost, b: Cost): Cost {
  const sum = (x: Record<string, number>, y: Record<string, number>) =>
    Object.fromEntries([...new Set([...Object.keys(x), ...Object.keys(y)])].map((k) => [k, (x[k] ?? 0) + (y[k] ?? 0)]));
  return {
    messages: Math.min(a.messages, b.messages),
    perThousand: sum(a.perThousand, b.perThousand) as Cost["perThousand"],
    totalPerThousand: a.totalPerThousand + b.totalPerThousand,
    requestsPerMessage: sum(a.requestsPerMessage, b.requestsPerMessage),
    dynamoWriteUnitsPerMessage: a.dynamoWriteUnitsPerMessage + b.dynamoWriteUnitsPerMessage,
    dynamoReadUnitsPerMessage: a.dynamoReadUnitsPerMessage + b.dynamoReadUnitsPerMessage,
    dynamoUnitsPerMessage: sum(a.dynamoUnitsPerMessage, b.dynamoUnitsPerMessage),
    lambdaMsPerMessage: a.lambdaMsPerMessage + b.lambdaMsPerMessage,
    writeSteps: addSteps(a.writeSteps ?? {}, b.writeSteps ?? {}),
  };
}

function addSteps(a: NonNullable<Cost["writeSteps"]>, b: NonNullable<Cost["writeSteps"]>): NonNullable<Cost["writeSteps"]> {
  const sum: NonNullable<Cost["writeSteps"]> = structuredClone(a);
  for (const [step, { table, index }] of Object.entries(b)) {
    sum[step] ??= { table: 0, index: {} };
    sum[step].table += table;
    for (const [name, n] of Object.entries(index)) sum[step].index[name] = (sum[step].index[name] ?? 0) + n;
  }
  return sum;
}
