// The layering rule of shared/ (docs/architecture.md), as a check over an import graph:
//
//   lib/          generic mechanics; imports nothing else of ours
//   domain/       shared types and pure rules; imports lib/
//   config.ts     the environment, parsed once; log.ts the log lines (imports config.ts);
//                 observability.ts metrics and the Lambda middleware (imports config.ts, log.ts)
//   adapters      store/ (DynamoDB), files/ (S3), queue/ (SQS), transport/ (SES, SMTP), secrets/
//                 (Secrets Manager) and the client factory aws.ts: the only importers of @aws-sdk;
//                 import domain/, lib/, config.ts, log.ts, observability.ts and each other
//   features      every other folder: import domain/, lib/, the foundations, the adapters, and
//                 another feature only through its public surface, that folder's index.ts
//   wiring*.ts    build everything, so import anything of shared/
//
// functions/ holds the entries: they may import anything of shared/, but never @aws-sdk. Nothing
// in shared/ imports functions/, local/ or bench/, local/ never imports bench/, and the graph of
// folders has no cycle. Only shared/config.ts reads process.env.
import path from "node:path";

export const ADAPTERS = new Set(["store", "files", "queue", "transport", "secrets", "aws.ts"]);
const FOUNDATIONS = new Set(["domain", "lib", "config.ts", "log.ts", "observability.ts"]);

/** File -> the specifiers it imports, paths relative to the repository root with forward slashes. */
export type ImportGraph = Map<string, string[]>;

/** The unit of the rule a file belongs to: `shared/<folder>` or a file directly in shared/. */
export function unitOf(file: string): string | undefined {
  const parts = file.split("/");
  if (parts[0] !== "shared" || parts.length < 2) return undefined;
  return parts[1];
}

const resolve = (from: string, specifier: string) => path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));

function allowed(fromUnit: string, toUnit: string, target: string): boolean {
  if (fromUnit === toUnit) return true;
  if (fromUnit.startsWith("wiring")) return true;
  if (fromUnit === "lib") return false;
  if (fromUnit === "domain") return toUnit === "lib";
  if (fromUnit === "config.ts") return false;
  if (fromUnit === "log.ts") return toUnit === "config.ts";
  if (fromUnit === "observability.ts") return toUnit === "config.ts" || toUnit === "log.ts";
  if (ADAPTERS.has(fromUnit)) return FOUNDATIONS.has(toUnit) || (ADAPTERS.has(toUnit) && toUnit !== "aws.ts");
  // A feature.
  if (FOUNDATIONS.has(toUnit) || (ADAPTERS.has(toUnit) && toUnit !== "aws.ts")) return true;
  return target === `shared/${toUnit}/index.ts`;
}

function reason(fromUnit: string, toUnit: string): string {
  if (fromUnit === "lib") return "lib/ imports nothing else of ours";
  if (fromUnit === "domain") return "domain/ imports only lib/";
  if (fromUnit === "config.ts" || fromUnit === "log.ts" || fromUnit === "observability.ts")
    return "config.ts imports nothing of ours, log.ts only config.ts, observability.ts only those two";
  if (ADAPTERS.has(fromUnit)) return "an adapter imports domain/, lib/, config.ts, log.ts and other adapters, never a feature";
  if (toUnit === "aws.ts") return "only the adapters and wiring.ts build AWS clients";
  return `a feature imports another feature only through its index.ts (shared/${toUnit}/index.ts)`;
}

/** One line per file that breaks the rule, then one per cycle between folders. */
export function architectureProblems(graph: ImportGraph): string[] {
  const problems: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const [file, specifiers] of graph) {
    const fromUnit = unitOf(file);
    for (const specifier of specifiers) {
      // local/ is the stand-ins' own infrastructure (like cdk/): it provisions them with the SDK.
      const checked = file.startsWith("shared/") || file.startsWith("functions/");
      if (checked && specifier.startsWith("@aws-sdk/") && !(fromUnit && ADAPTERS.has(fromUnit))) {
        problems.push(
          `${file} imports ${specifier}: only the adapters (shared/store/, shared/files/, shared/queue/, shared/transport/, shared/secrets/, shared/aws.ts) may import @aws-sdk`,
        );
        continue;
      }
      if (!specifier.startsWith(".")) continue;
      const target = resolve(file, specifier);
      const top = target.split("/")[0];
      if (file.startsWith("shared/") && ["functions", "local", "bench"].includes(top)) {
        problems.push(`${file} imports ${target}: shared/ never imports ${top}/`);
        continue;
      }
      if (file.startsWith("local/") && top === "bench") {
        problems.push(`${file} imports ${target}: the runtime knows nothing of the bench (bench/ hands it an instrument instead)`);
        continue;
      }
      const toUnit = unitOf(target);
      if (!fromUnit || !toUnit) continue;
      if (!allowed(fromUnit, toUnit, target)) problems.push(`${file} imports ${target}: ${reason(fromUnit, toUnit)}`);
      if (fromUnit !== toUnit) {
        if (!edges.has(fromUnit)) edges.set(fromUnit, new Set());
        edges.get(fromUnit)!.add(toUnit);
      }
    }
  }
  for (const cycle of folderCycles(edges)) problems.push(`folder cycle: ${[...cycle, cycle[0]].join(" -> ")}`);
  return problems;
}

/** Each strongly connected group of folders, as one cycle through it (Tarjan). */
export function folderCycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]);

  function visit(node: string) {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) cycles.push(cycleThrough(group.sort(), edges));
    }
  }
  for (const node of [...nodes].sort()) if (!indices.has(node)) visit(node);
  return cycles;
}

/** A path from the group's first folder back to itself, inside the group. */
function cycleThrough(group: string[], edges: Map<string, Set<string>>): string[] {
  const members = new Set(group);
  const start = group[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const cycle = [node];
        while (cycle[0] !== start) cycle.unshift(previous.get(cycle[0])!);
        return cycle;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return group;
}
