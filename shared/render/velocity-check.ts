// The first half of the Velocity sandbox (./velocity-sandbox.ts renders): a template is parsed
// and its syntax tree checked against an allowlist. References to values and their plain data
// properties, #if/#elseif/#else, #foreach over lists and ranges, #set of a variable; no method
// calls (they reach JavaScript functions: from any string, `__lookupGetter__` leads to Function
// and to arbitrary code), no macros, no #parse, #include, #evaluate or #define, no names a
// prototype answers to. Each problem comes with its line and column when the parser gives them.
import velocity from "velocityjs";
import type { TemplateProblem } from "./template-safety.ts";
import { at, parseShielded, parseVelocity, shieldPlainMarkers, type Item, type Node, type Pos } from "./velocity-parse.ts";

export interface VelocityLimits {
  /**
   * `$` and `#` of one part that may begin a reference or a directive. Each starts a statement,
   * and velocityjs's parser builds its lists by copying them whole at every statement: its time
   * grows faster than the square of this count (measured on a busy machine: 2,000 take a few
   * tenths of a second, 8,000 take seconds to minutes). The `#` of a CSS colour or the `$` of a
   * price begin nothing and are hidden from the parser (./velocity-parse.ts), so they do not count.
   * A parse cannot be interrupted, so this is checked before it starts.
   */
  markers: number;
  /** #foreach iterations of one part, all loops together. */
  iterations: number;
  /** Numbers that ranges (`[1..$n]`) of one part may make, all ranges together. */
  rangeItems: number;
  /** Characters a render may produce beyond the template's own length (text, values, interpolated strings). */
  growth: number;
  /** How deep substitution values (objects in lists in objects) may nest. */
  dataDepth: number;
  /** How deep directives and expressions may nest in the template. */
  nesting: number;
  /**
   * Steps of one render: every statement, block, value and expression the engine visits is one.
   * Bounds the work of loops over long bodies the same way on every run (so a template refused
   * at delivery is refused when the message is accepted); about a tenth of a second's work.
   */
  steps: number;
  /** Wall time of one render, checked as it goes: a backstop, the other limits stop hostile templates first. */
  milliseconds: number;
}

export const VELOCITY_LIMITS: VelocityLimits = {
  markers: 2_000,
  iterations: 10_000,
  rangeItems: 10_000,
  growth: 1_000_000,
  dataDepth: 20,
  nesting: 100,
  steps: 1_000_000,
  milliseconds: 5_000,
};

export const ALLOWED = "templates may use $references, #if, #elseif, #else, #foreach and #set";
// Names a prototype answers to: never a value of ours, so never a name in a template.
const RESERVED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), "prototype"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const OPERATORS = new Set(["+", "-", "*", "/", "%", "&&", "||", "not", "minus", "parenthesis", "==", "!=", ">", "<", ">=", "<="]);

export const formatNumber = (n: number) => n.toLocaleString("en");

export { at, type Item, type Node, type Pos } from "./velocity-parse.ts";

export function referenceText(node: Node): string {
  try {
    return velocity.Helper.getRefText(node as unknown as Parameters<typeof velocity.Helper.getRefText>[0]);
  } catch {
    return `$${String(node.id)}`;
  }
}

/** Walks a parsed template and notes everything outside the allowlist, and the names the template sets itself. */
class Checker {
  readonly problems: TemplateProblem[] = [];
  readonly locals = new Set<string>(["velocityCount", "foreach"]);
  /** Interpolated strings as checked: the engine renders these, never a parse of its own. */
  readonly strings = new Map<string, Item[]>();

  constructor(private readonly limits: VelocityLimits) {}

  /** `fixed`: inside an interpolated string, whose own positions count from the string; the directive's place is reported. */
  list(items: Item[], pos: Pos | undefined, depth: number, fixed: boolean): void {
    for (const item of items) this.item(item, pos, depth, fixed);
  }

  private refuse(message: string, pos: Pos | undefined): void {
    this.problems.push(at(message, pos));
  }

  private tooDeep(depth: number, pos: Pos | undefined): boolean {
    if (depth <= this.limits.nesting) return false;
    this.refuse(`directives and expressions nest deeper than ${this.limits.nesting} levels`, pos);
    return true;
  }

  private item(item: Item, outer: Pos | undefined, depth: number, fixed: boolean): void {
    if (typeof item === "string") return;
    if (this.tooDeep(depth, outer)) return;
    if (Array.isArray(item)) return this.block(item, outer, depth, fixed);
    const pos = fixed ? outer : (item.pos ?? outer);
    switch (item.type) {
      case "references":
        return this.reference(item, pos, depth);
      case "set":
        return this.set(item, pos, depth);
      case "comment":
      case "raw":
        return;
      case "macro_call":
        return this.refuse(`#${item.id}(...) is not allowed; ${ALLOWED}`, pos);
      case "else":
      case "elseif":
        return this.refuse(`#${item.type} belongs inside #if ... #end`, pos);
      default:
        return this.refuse(`#${item.type} is not allowed; ${ALLOWED}`, pos);
    }
  }

  private block(block: Item[], outer: Pos | undefined, depth: number, fixed: boolean): void {
    const head = block[0] as Node;
    const pos = fixed ? outer : (head.pos ?? outer);
    const body = block.slice(1);
    if (head.type === "if") {
      this.expression(head.condition, pos, depth + 1);
      for (const item of body) {
        const node = item as Node;
        if (node && !Array.isArray(node) && typeof node === "object" && (node.type === "elseif" || node.type === "else")) {
          if (node.type === "elseif") this.expression(node.condition, fixed ? outer : (node.pos ?? pos), depth + 1);
        } else this.item(item, pos, depth + 1, fixed);
      }
      return;
    }
    if (head.type === "foreach") {
      this.variable(String(head.to), pos);
      this.loopSource(head.from, pos, depth + 1);
      this.list(body, pos, depth + 1, fixed);
      return;
    }
    const directive = head.type === "macro_body" ? `#@${head.id}` : `#${head.type}`;
    this.refuse(`${directive} is not allowed; ${ALLOWED}`, pos);
  }

  private name(name: unknown, pos: Pos | undefined): name is string {
    if (typeof name === "string" && NAME.test(name) && !RESERVED_NAMES.has(name)) return true;
    this.refuse(`"${String(name)}" is not a name templates may use`, pos);
    return false;
  }

  /** A name the template assigns (#set, #foreach): it is its own, not a missing value. */
  private variable(name: unknown, pos: Pos | undefined): void {
    if (this.name(name, pos)) this.locals.add(name);
  }

  private reference(node: Node, pos: Pos | undefined, depth: number): void {
    this.name(node.id, pos);
    if (node.args !== undefined) return this.refuse(`${referenceText(node)} calls a method; templates may only read values`, pos);
    for (const step of (node.path ?? []) as Node[]) {
      if (step.type === "method") return this.refuse(`${referenceText(node)} calls a method; templates may only read values`, pos);
      if (step.type === "property") this.name(step.id, pos);
      else if (step.type === "index") this.index(step.id as Node, node, pos, depth);
      else this.refuse(`${referenceText(node)} is not a reference templates may use`, pos);
    }
  }

  private index(key: Node, node: Node, pos: Pos | undefined, depth: number): void {
    if (key.type === "integer") return;
    if (key.type === "string") {
      if ((typeof key.value === "string" && RESERVED_NAMES.has(key.value)) || String(key.value).startsWith("__"))
        this.refuse(`"${key.value}" is not a name templates may use`, pos);
      return;
    }
    if (key.type === "references") return this.reference(key, pos, depth + 1);
    this.refuse(`${referenceText(node)}: an index must be a number, a quoted name or a reference`, pos);
  }

  private set(node: Node, pos: Pos | undefined, depth: number): void {
    const [target, value] = node.equal as [Node, Node];
    if (target?.type !== "references" || target.path || target.args !== undefined) {
      this.refuse(`#set may only assign a plain variable such as $name, not ${target ? referenceText(target) : "this"}`, pos);
    } else this.variable(target.id, pos);
    this.expression(value, pos, depth + 1);
  }

  private loopSource(node: Node | undefined, pos: Pos | undefined, depth: number): void {
    if (node?.type === "references" || node?.type === "array") return this.expression(node, pos, depth);
    this.refuse("#foreach goes over a list or a range", pos);
  }

  /** Expressions carry no positions of their own: the directive's place is reported. */
  private expression(node: Node | undefined, pos: Pos | undefined, depth: number): void {
    if (this.tooDeep(depth, pos)) return;
    switch (node?.type) {
      case "references":
        return this.reference(node, pos, depth);
      case "integer":
      case "decimal":
      case "bool":
        return;
      case "string":
        return this.string(node, pos, depth);
      case "math":
        if (node.operator === undefined || !OPERATORS.has(node.operator))
          return this.refuse(`the operator ${node.operator} is not allowed`, pos);
        for (const operand of node.expression as Node[]) this.expression(operand, pos, depth + 1);
        return;
      case "array":
        if (node.isRange) return this.range(node, pos, depth);
        for (const element of node.value as Node[]) this.expression(element, pos, depth + 1);
        return;
      case "map":
        return this.refuse("maps ({...}) are not allowed; use a list or a value from the substitutions", pos);
      default:
        return this.refuse(`${node?.type ?? "this"} is not an expression templates may use`, pos);
    }
  }

  /** A double-quoted string with $ or # is a template of its own, rendered when it is used. */
  private string(node: Node, pos: Pos | undefined, depth: number): void {
    if (!node.isEval || typeof node.value !== "string" || !/[$#]/.test(node.value)) return;
    if (this.strings.has(node.value)) return;
    const parsed = parseVelocity(node.value);
    if ("problem" in parsed) return this.refuse(`in the string "${node.value}": ${parsed.problem.message}`, pos);
    this.strings.set(node.value, parsed.asts);
    this.list(parsed.asts, pos, depth + 1, true);
  }

  private range(node: Node, pos: Pos | undefined, depth: number): void {
    const bounds = (node.value as (string | number | Node)[]).map((bound) => {
      if (typeof bound === "number") return bound;
      if (typeof bound === "string") return parseInt(bound, 10);
      this.expression(bound, pos, depth + 1);
      return undefined;
    });
    const [from, to] = bounds;
    if (from === undefined || to === undefined) return;
    const size = Math.abs(to - from) + 1;
    if (size > this.limits.rangeItems)
      this.refuse(
        `the range [${from}..${to}] has ${formatNumber(size)} numbers; at most ${formatNumber(this.limits.rangeItems)} are allowed`,
        pos,
      );
  }
}

export interface CheckedVelocity {
  asts: Item[];
  /** Names the template sets itself (#set, #foreach): never reported as missing. */
  locals: ReadonlySet<string>;
  strings: ReadonlyMap<string, Item[]>;
}

export interface Checked {
  checked?: CheckedVelocity;
  problems: TemplateProblem[];
}

function checkUncached(template: string, limits: VelocityLimits): Checked {
  const shielded = shieldPlainMarkers(template);
  if (shielded.markers > limits.markers) {
    return {
      problems: [
        {
          message: `a Velocity template may hold at most ${formatNumber(limits.markers)} $ and # that begin a reference or a directive; this one has ${formatNumber(shielded.markers)}`,
        },
      ],
    };
  }
  const parsed = parseShielded(template, shielded);
  if ("problem" in parsed) return { problems: [parsed.problem] };
  const checker = new Checker(limits);
  checker.list(parsed.asts, undefined, 0, false);
  return { checked: { asts: parsed.asts, locals: checker.locals, strings: checker.strings }, problems: checker.problems };
}

// Every copy of a message renders the same templates: they are parsed and checked once per
// process. The engine below never changes a tree it is given, so one serves every render.
const recentlyChecked = new Map<string, Checked>();
const RECENT_MAX = 32;
const CACHED_TEMPLATE_CHARS = 1_000_000;

export function checkedVelocity(template: string, limits: VelocityLimits): Checked {
  const cacheable = limits === VELOCITY_LIMITS && template.length <= CACHED_TEMPLATE_CHARS;
  const cached = cacheable ? recentlyChecked.get(template) : undefined;
  if (cached) return cached;
  const result = checkUncached(template, limits);
  if (cacheable) {
    if (recentlyChecked.size >= RECENT_MAX) recentlyChecked.delete(recentlyChecked.keys().next().value!);
    recentlyChecked.set(template, result);
  }
  return result;
}

/** Parses a template and checks it against the allowlist: every problem, in order; none when it may be rendered. */
export function checkVelocity(template: string, limits: VelocityLimits = VELOCITY_LIMITS): TemplateProblem[] {
  return checkedVelocity(template, limits).problems;
}
