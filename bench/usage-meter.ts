// Runs inside the platform process during `npm run bench` (handed to local/platform.ts as its
// instrument by bench/platform-entry.ts): tallies every AWS call by the function that made it,
// service and operation, times every handler invocation, and keeps the tally in <file> so the
// bench can take snapshots between phases and price the difference.
import { renameSync, writeFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import type { AwsService, ClientInstrument, InstrumentableClient } from "../shared/aws.ts";
import type { PlatformInstrument } from "../local/platform.ts";

/** One AWS call as the counter sees it. */
export interface AwsCall {
  service: AwsService;
  /** The API operation, e.g. "BatchWriteItem". */
  operation: string;
  input: Record<string, any>;
  /** Absent when the call failed. */
  output?: Record<string, any>;
  /** From the call to its answer, retries included. */
  ms: number;
}

// DynamoDB says what capacity a call consumed only when asked; these operations accept the question.
const CAPACITY_OPERATIONS = /^(?:(?:Get|Put|Update|Delete)Item|Query|Scan|Batch(?:Get|Write)Item|Transact(?:Get|Write)Items)Command$/;

/** Calls made outside any handler: the SQS pollers (Lambda's event source mapping) and the sweeper, the SMTP door. */
export const RUNTIME_SCOPE = "runtime";

/** The function whose entry file builds a client, from the stack at the client's construction. */
function builderOf(stack: string | undefined): string {
  const entry = /\/(functions\/[^\s:)]+\.ts)/.exec(stack ?? "")?.[1];
  return entry ?? RUNTIME_SCOPE;
}

/**
 * A middleware on every client that reports each call, with the function that made it, to
 * `observe`. Which function a call belongs to is known from its client: every entry file builds
 * its own clients when it is imported (shared/wiring.ts), the runtime (pollers, sweeper, SMTP
 * door) its shared ones. No AsyncLocalStorage: it would put an async hook on every promise of the
 * process, a cost of the bench's own that no Lambda has.
 */
function countingInstrument(observe: (call: AwsCall, scope: string) => void): ClientInstrument {
  return (client: InstrumentableClient, service) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const scope = builderOf(new Error().stack);
    Error.stackTraceLimit = limit;
    const counter =
      (next: (args: any) => Promise<any>, context: { commandName?: string }) => async (args: { input: Record<string, any> }) => {
        const commandName = context.commandName ?? "Unknown";
        const input =
          service === "DynamoDB" && CAPACITY_OPERATIONS.test(commandName) ? { ...args.input, ReturnConsumedCapacity: "TOTAL" } : args.input;
        const operation = commandName.replace(/Command$/, "");
        const started = performance.now();
        try {
          const result = await next({ ...args, input });
          observe({ service, operation, input, output: result.output, ms: performance.now() - started }, scope);
          return result;
        } catch (error) {
          observe({ service, operation, input, ms: performance.now() - started }, scope);
          throw error;
        }
      };
    client.middlewareStack.add(counter, { step: "initialize", name: "posthasteRequestCounter" });
  };
}

export interface CallTally {
  scope: string;
  service: AwsCall["service"];
  operation: string;
  requests: number;
  failed: number;
  /** ReceiveMessage calls that returned nothing (idle polling, not a per-message cost). */
  emptyReceives: number;
  /** DynamoDB capacity units the table reported (read or write, by operation). */
  capacityUnits: number;
  /** Calls on the statistics counters (pk STATS...), tallied apart so the bench can price them. */
  statisticsCounters?: boolean;
  /** Estimated writes to the GSIs (keys only) caused by writes to message items. */
  gsiWriteUnits: number;
  /** The same by index (pending, accountLog, reports). */
  indexWriteUnits?: Record<string, number>;
  /** DynamoDB: the kinds of item written or read (their pk prefix, e.g. MESSAGE, BODY, OUTBOX). */
  items?: string;
  /** Time spent waiting for these calls (locally: the stand-ins' speed under this load). */
  totalMs: number;
}

export interface InvocationTally {
  invocations: number;
  records: number;
  totalMs: number;
  /**
   * The platform process's CPU from start to end of the invocations that ran alone (no other
   * invocation started or in flight meanwhile, as in the bench's calibration windows): each
   * one's own CPU. Under load none runs alone.
   */
  cpuMs?: number;
  /** How many invocations ran alone, and their records: what cpuMs is the CPU of. */
  cpuInvocations?: number;
  cpuRecords?: number;
  /**
   * The process's CPU from start to end of every invocation, the CPU of invocations running
   * beside it included (so counted twice): the figure when none ran alone. In a pipeline at light
   * load a delivery starts while its own accept is still answering, so it seldom runs alone.
   */
  overlappedCpuMs?: number;
}

export interface UsageSnapshot {
  pid: number;
  at: number;
  cpuMicros: { user: number; system: number };
  /** CPU of the platform's other processes (the stand-ins), by name, as last measured. */
  otherCpuMicros: Record<string, { user: number; system: number }>;
  /** This process's memory, and the other processes' as last measured (the soak's curve, bench/soak.ts). */
  memory?: NodeJS.MemoryUsage;
  otherMemory?: Record<string, NodeJS.MemoryUsage>;
  calls: Record<string, CallTally>;
  /** By entry file (functions/...). */
  invocations: Record<string, InvocationTally>;
}

export interface UsageMeter extends PlatformInstrument {
  snapshot(): UsageSnapshot;
}

const FLUSH_EVERY_MS = 500;
const READ_OPERATIONS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);

export const isDynamoRead = (operation: string) => READ_OPERATIONS.has(operation);

export function startUsageMeter(file: string): UsageMeter {
  const calls: Record<string, CallTally> = {};
  const invocations: Record<string, InvocationTally> = {};

  const awsClient = countingInstrument((call, name) => {
    const counters = call.service === "DynamoDB" && /^STATS/.test(String(call.input.Key?.pk ?? call.input.Item?.pk ?? ""));
    const items = call.service === "DynamoDB" ? itemKinds(call.input) : undefined;
    const key = `${name} ${call.service} ${call.operation}${counters ? " statistics" : ""}${items ? ` ${items}` : ""}`;
    calls[key] ??= {
      scope: name,
      service: call.service,
      operation: call.operation,
      ...(items ? { items } : {}),
      ...(counters ? { statisticsCounters: true } : {}),
      requests: 0,
      failed: 0,
      emptyReceives: 0,
      capacityUnits: 0,
      gsiWriteUnits: 0,
      totalMs: 0,
    };
    const tally = calls[key];
    tally.requests++;
    tally.totalMs += call.ms;
    if (!call.output) {
      tally.failed++;
      // A failed conditional write is still charged (at least one write unit).
      if (call.service === "DynamoDB" && !isDynamoRead(call.operation)) tally.capacityUnits += 1;
      return;
    }
    if (call.operation === "ReceiveMessage" && !call.output.Messages?.length) tally.emptyReceives++;
    if (call.service === "DynamoDB") {
      const units = consumedUnits(call.output.ConsumedCapacity);
      tally.capacityUnits += units;
      if (!isDynamoRead(call.operation)) {
        const byIndex = gsiWrites(call);
        tally.indexWriteUnits ??= {};
        for (const [index, n] of Object.entries(byIndex)) {
          tally.gsiWriteUnits += n;
          if (n) tally.indexWriteUnits[index] = (tally.indexWriteUnits[index] ?? 0) + n;
        }
      }
    }
  });

  const otherCpuMicros: Record<string, NodeJS.CpuUsage> = {};
  const otherMemory: Record<string, NodeJS.MemoryUsage> = {};
  const others = new Map<string, () => Promise<NodeJS.CpuUsage>>();
  const othersMemory = new Map<string, () => Promise<NodeJS.MemoryUsage>>();
  const snapshot = (): UsageSnapshot => ({
    pid: process.pid,
    at: Date.now(),
    cpuMicros: process.cpuUsage(),
    otherCpuMicros: { ...otherCpuMicros },
    memory: process.memoryUsage(),
    otherMemory: { ...otherMemory },
    calls,
    invocations,
  });
  // Written aside then renamed, so the bench never reads half a file. Off the event loop while
  // the platform serves (a synchronous write and rename would stall every request in flight).
  const flushSync = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot()));
    renameSync(`${file}.tmp`, file);
  };
  const flush = async () => {
    await writeFile(`${file}.tmp`, JSON.stringify(snapshot()));
    await rename(`${file}.tmp`, file);
  };
  // The other processes are asked first, so a snapshot's figures are at most one period old.
  // The next period starts when this one's file is written: never two writes of one file at once.
  const period = async () => {
    await Promise.all([
      ...[...others].map(async ([name, cpuUsage]) => (otherCpuMicros[name] = await cpuUsage().catch(() => otherCpuMicros[name]))),
      ...[...othersMemory].map(async ([name, memoryUsage]) => (otherMemory[name] = await memoryUsage().catch(() => otherMemory[name]))),
    ]);
    await flush().catch(() => undefined);
    setTimeout(period, FLUSH_EVERY_MS).unref();
  };
  setTimeout(period, FLUSH_EVERY_MS).unref();
  process.on("exit", flushSync);
  flushSync();

  /** Invocations in flight, and how many have started: an invocation ran alone when none other started meanwhile. */
  let inFlight = 0;
  let started = 0;

  return {
    snapshot,
    awsClient,
    measureProcess: (name, cpuUsage, memoryUsage) => {
      others.set(name, cpuUsage);
      if (memoryUsage) othersMemory.set(name, memoryUsage);
    },
    wrap<T>(entry: string, handler: T): T {
      const fn = handler as unknown as (...args: unknown[]) => Promise<unknown>;
      const timed = async (...args: unknown[]) => {
        const startedAt = performance.now();
        const order = ++started;
        // process.cpuUsage() is a system call (about 10 µs): twice an invocation, nothing more.
        const alone = inFlight++ === 0;
        const cpuAtStart = process.cpuUsage();
        try {
          return await fn(...args);
        } finally {
          inFlight--;
          const ms = performance.now() - startedAt;
          const records = (args[0] as { Records?: unknown[] })?.Records?.length ?? 1;
          invocations[entry] ??= { invocations: 0, records: 0, totalMs: 0, cpuMs: 0, cpuInvocations: 0, cpuRecords: 0, overlappedCpuMs: 0 };
          const tally = invocations[entry];
          const cpu = process.cpuUsage(cpuAtStart);
          const cpuMs = (cpu.user + cpu.system) / 1000;
          tally.overlappedCpuMs = (tally.overlappedCpuMs ?? 0) + cpuMs;
          tally.invocations++;
          tally.records += records;
          tally.totalMs += ms;
          if (alone && started === order) {
            tally.cpuMs = (tally.cpuMs ?? 0) + cpuMs;
            tally.cpuInvocations = (tally.cpuInvocations ?? 0) + 1;
            tally.cpuRecords = (tally.cpuRecords ?? 0) + records;
          }
        }
      };
      return timed as unknown as T;
    },
  };
}

function consumedUnits(consumed: unknown): number {
  const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as { CapacityUnits?: number }[];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

const isMessageKey = (pk: unknown) => typeof pk === "string" && pk.startsWith("MESSAGE#");

/**
 * The stand-in reports table capacity only. On AWS both GSIs project keys only (shared/store/
 * table-schema.ts), so an index entry (well under 1 KB: one unit) is written when a message item
 * is created in it, deleted when its index key is removed, and deleted and written again when
 * its index key changes; updates that leave the index keys alone write no index at all.
 */
type IndexWrites = { pending: number; accountLog: number; reports: number };

/** The pk prefixes (item kinds) a DynamoDB call touches, e.g. "MESSAGE+BODY". */
function itemKinds(input: Record<string, any>): string | undefined {
  const keys: unknown[] = input.RequestItems
    ? (Object.values(input.RequestItems) as any[]).flatMap((r) =>
        Array.isArray(r) ? r.map((w) => (w.PutRequest?.Item ?? w.DeleteRequest?.Key)?.pk) : (r.Keys ?? []).map((k: any) => k.pk),
      )
    : input.TransactItems
      ? input.TransactItems.map((t: any) => (Object.values(t)[0] as any)?.Key?.pk ?? (Object.values(t)[0] as any)?.Item?.pk)
      : [input.Key?.pk ?? input.Item?.pk ?? input.ExpressionAttributeValues?.[":pk"]];
  const kinds = [...new Set(keys.filter((k): k is string => typeof k === "string").map((k) => k.split("#")[0]))].sort();
  return kinds.length ? kinds.join("+") : undefined;
}

function gsiWrites(call: AwsCall): IndexWrites {
  const none: IndexWrites = { pending: 0, accountLog: 0, reports: 0 };
  if (call.operation === "BatchWriteItem") {
    const puts = Object.values(call.input.RequestItems ?? {}).flat() as { PutRequest?: { Item?: Record<string, unknown> } }[];
    return puts
      .map((p) => p.PutRequest?.Item)
      .filter((item): item is Record<string, unknown> => !!item && isMessageKey(item.pk))
      .reduce<IndexWrites>(
        (sum, item) => ({
          accountLog: sum.accountLog + (item.logShard !== undefined ? 1 : 0),
          reports: sum.reports + (item.reportShard !== undefined ? 1 : 0),
          pending: sum.pending + (item.pendingShard !== undefined && item.dueAt !== undefined ? 1 : 0),
        }),
        none,
      );
  }
  const pk = call.input.Key?.pk ?? call.input.Item?.pk;
  if (!isMessageKey(pk)) return none;
  const expression = String(call.input.UpdateExpression ?? "");
  // A delivery report entering (the first final status) or leaving (taken) the reports index.
  const reports = /\breportShard\b/.test(expression) ? 1 : 0;
  if (/REMOVE[^=]*\bpendingShard\b/.test(expression)) return { ...none, pending: 1, reports };
  if (/\bdueAt\s*=/.test(expression)) return { ...none, pending: 2, reports };
  return { ...none, reports };
}
