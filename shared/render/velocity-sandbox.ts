// Velocity templates come from tenants and run in our processes, so the engine (velocityjs) is
// held on a short leash. A template is first checked against an allowlist of its syntax tree:
// references to values and their plain data properties, #if/#elseif/#else, #foreach over lists
// and ranges, #set of a variable; no method calls (they reach JavaScript functions: from any
// string, `__lookupGetter__` leads to Function and to arbitrary code), no macros, no #parse,
// #include, #evaluate or #define. It is then rendered by a subclass of the engine that reads
// only own properties of null-prototype copies of the values and counts its steps, loop
// iterations, range numbers and every character it produces. The same two steps run when a
// message is accepted and every time it is rendered (delivery, web version).
import velocity from "velocityjs";
import { escapeHtml } from "./escape.ts";
import { TemplateError, type TemplateProblem } from "./template-safety.ts";

export interface VelocityLimits {
  /**
   * `$` and `#` characters of one part. Each starts a statement, and velocityjs's parser builds
   * its lists by copying them whole at every statement: its time grows faster than the square
   * of this count (measured on a busy machine: 2,000 take a few tenths of a second, 8,000 take
   * seconds to minutes).
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

const ALLOWED = "templates may use $references, #if, #elseif, #else, #foreach and #set";
// Names a prototype answers to: never a value of ours, so never a name in a template.
const RESERVED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), "prototype"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const OPERATORS = new Set(["+", "-", "*", "/", "%", "&&", "||", "not", "minus", "parenthesis", "==", "!=", ">", "<", ">=", "<="]);

const count = (n: number) => n.toLocaleString("en");

// The parser's tree, loosely: velocityjs's own types describe less than it produces.
interface Pos {
  first_line: number;
  first_column: number;
}
type Node = { type: string; pos?: Pos } & Record<string, any>;
type Item = string | Node | Item[];

function at(message: string, pos: Pos | undefined): TemplateProblem {
  return pos ? { message, line: pos.first_line, column: pos.first_column + 1 } : { message };
}

function referenceText(node: Node): string {
  try {
    return velocity.Helper.getRefText(node as Parameters<typeof velocity.Helper.getRefText>[0]);
  } catch {
    return `$${String(node.id)}`;
  }
}

interface JisonError {
  hash?: { text?: string; token?: unknown; line?: number; loc?: { first_line: number; first_column: number } };
}

function syntaxProblem(error: unknown): TemplateProblem {
  const hash = (error as JisonError)?.hash;
  if (hash?.loc) {
    const ended = hash.token === 1 || hash.token === "EOF" || hash.text === "";
    const message = ended ? "syntax error: the template ends inside a directive (a missing ) or #end?)" : `syntax error: unexpected "${hash.text}"`;
    return { message, line: hash.loc.first_line, column: hash.loc.first_column + 1 };
  }
  if (hash && typeof hash.line === "number") return { message: "syntax error: unrecognized text", line: hash.line + 1 };
  return { message: "syntax error: the template could not be parsed" };
}

function parse(template: string): { asts: Item[] } | { problem: TemplateProblem } {
  try {
    return { asts: velocity.parse(template) as unknown as Item[] };
  } catch (error) {
    return { problem: syntaxProblem(error) };
  }
}

function countMarkers(template: string): number {
  let markers = 0;
  for (let i = 0; i < template.length; i++) {
    const code = template.charCodeAt(i);
    if (code === 0x24 || code === 0x23) markers++;
  }
  return markers;
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

  private name(name: unknown, pos: Pos | undefined): boolean {
    if (typeof name === "string" && NAME.test(name) && !RESERVED_NAMES.has(name)) return true;
    this.refuse(`"${String(name)}" is not a name templates may use`, pos);
    return false;
  }

  /** A name the template assigns (#set, #foreach): it is its own, not a missing value. */
  private variable(name: string, pos: Pos | undefined): void {
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
      if (RESERVED_NAMES.has(key.value) || String(key.value).startsWith("__")) this.refuse(`"${key.value}" is not a name templates may use`, pos);
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

  private loopSource(node: Node, pos: Pos | undefined, depth: number): void {
    if (node?.type === "references" || node?.type === "array") return this.expression(node, pos, depth);
    this.refuse("#foreach goes over a list or a range", pos);
  }

  /** Expressions carry no positions of their own: the directive's place is reported. */
  private expression(node: Node, pos: Pos | undefined, depth: number): void {
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
        if (!OPERATORS.has(node.operator)) return this.refuse(`the operator ${node.operator} is not allowed`, pos);
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
    if (!node.isEval || !/[$#]/.test(node.value)) return;
    if (this.strings.has(node.value)) return;
    const parsed = parse(node.value);
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
    if (size > this.limits.rangeItems) this.refuse(`the range [${from}..${to}] has ${count(size)} numbers; at most ${count(this.limits.rangeItems)} are allowed`, pos);
  }
}

interface CheckedVelocity {
  asts: Item[];
  /** Names the template sets itself (#set, #foreach): never reported as missing. */
  locals: ReadonlySet<string>;
  strings: ReadonlyMap<string, Item[]>;
}

interface Checked {
  checked?: CheckedVelocity;
  problems: TemplateProblem[];
}

function checkUncached(template: string, limits: VelocityLimits): Checked {
  const markers = countMarkers(template);
  if (markers > limits.markers) {
    return { problems: [{ message: `a Velocity template may hold at most ${count(limits.markers)} $ and # characters; this one has ${count(markers)}` }] };
  }
  const parsed = parse(template);
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

function check(template: string, limits: VelocityLimits): Checked {
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
  return check(template, limits).problems;
}

/**
 * Values as the engine gets them: strings, numbers, booleans, null, lists and plain objects,
 * copied into objects and lists without prototypes, so no name reaches a function. Anything
 * else (a function, a class instance) is left out.
 */
export function sandboxData(value: unknown, maxDepth: number = VELOCITY_LIMITS.dataDepth, depth = 0): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "object") return undefined;
  if (depth >= maxDepth) throw new TemplateError({ message: `a substitution nests deeper than ${maxDepth} levels` });
  if (Array.isArray(value)) {
    const copy: unknown[] = Object.setPrototypeOf([], null);
    for (let i = 0; i < value.length; i++) copy[i] = sandboxData(value[i], maxDepth, depth + 1);
    return copy;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    const item = sandboxData((value as Record<string, unknown>)[key], maxDepth, depth + 1);
    if (item !== undefined) copy[key] = item;
  }
  return copy;
}

const isPrimitive = (value: unknown) => value === null || value === undefined || ["string", "number", "boolean"].includes(typeof value);

/** What the sandbox uses of the engine's insides (velocityjs 2.1.7; its typings leave them out). */
interface EngineInternals {
  context: Record<string, unknown>;
  macros: Record<string, unknown>;
  defines: Record<string, unknown>;
  local: Record<string, Record<string, unknown>>;
  conditions: string[];
  contextId: string;
  silence: boolean;
  asts: Item[];
  getReferences(ast: Node, isVal?: boolean): unknown;
  getLiteral(ast: Node): unknown;
  setValue(ast: Node): void;
  getBlockIf(block: Item[]): string;
}

const Engine = velocity.Compile as unknown as new (asts: Item[], config: object) => EngineInternals;

/**
 * The engine with its doors shut: every way it reaches a value, a method or a macro is
 * overridden here, and every loop, range and output is counted.
 */
class SandboxedEngine extends Engine {
  private iterationsDone = 0;
  private rangeItemsMade = 0;
  private produced = 0;
  private ticks = 0;
  private stringDepth = 0;
  private loops = 0;
  private place: Pos | undefined;
  private readonly started = performance.now();

  constructor(
    asts: Item[],
    private readonly strings: ReadonlyMap<string, Item[]>,
    private readonly escapeValues: boolean,
    private readonly limits: VelocityLimits,
    private readonly outputBudget: number,
  ) {
    // Escaping is ours (once, when a value is printed); `unescape` without a prototype so `$toString` is no exception.
    super(asts, { escape: false, unescape: Object.create(null) });
    this.defines = Object.create(null);
  }

  run(context: Record<string, unknown>): string {
    this.context = context;
    this.macros = Object.create(null);
    this.silence = false;
    return this.renderAstList(this.asts);
  }

  refusal(message: string, pos: Pos | undefined = this.place): TemplateError {
    return new TemplateError(at(message, pos));
  }

  private tick(pos?: Pos): void {
    if (pos && this.stringDepth === 0) this.place = pos;
    if (++this.ticks > this.limits.steps) throw this.refusal(`the template takes more than ${count(this.limits.steps)} steps to render`);
    if (this.ticks % 256 === 0 && performance.now() - this.started > this.limits.milliseconds) {
      throw this.refusal(`the template took longer than ${count(this.limits.milliseconds)} ms to render`);
    }
  }

  private emit(text: string): string {
    this.produced += text.length;
    if (this.produced > this.outputBudget) throw this.tooLong();
    return text;
  }

  private tooLong(): TemplateError {
    return this.refusal(`the template would produce more than ${count(this.limits.growth)} characters beyond its own length`);
  }

  /** A value as text, stopping as soon as it would not fit in what is left of the output. */
  private show(value: unknown): string {
    const room = this.outputBudget - this.produced;
    const parts: string[] = [];
    let length = 0;
    const add = (text: string) => {
      length += text.length;
      if (length > room) throw this.tooLong();
      parts.push(text);
    };
    const walk = (item: unknown): void => {
      if (item === undefined || item === null) return;
      if (Array.isArray(item)) {
        add("[");
        for (let i = 0; i < item.length; i++) {
          if (i > 0) add(", ");
          walk(item[i]);
        }
        add("]");
      } else if (typeof item === "object") {
        add("{");
        Object.keys(item).forEach((key, i) => {
          add(`${i > 0 ? ", " : ""}${key}=`);
          walk((item as Record<string, unknown>)[key]);
        });
        add("}");
      } else if (isPrimitive(item)) add(String(item));
    };
    walk(value);
    return parts.join("");
  }

  renderAstList(asts: Item[] = this.asts, contextId?: string): string {
    this.tick();
    // As the engine keeps track of which loop's variables are visible.
    if (contextId) {
      if (contextId !== this.contextId && !this.conditions.includes(contextId)) this.conditions.unshift(contextId);
      this.contextId = contextId;
    } else this.contextId = "";
    let output = "";
    for (const ast of asts) {
      if (typeof ast === "string") {
        output += this.emit(ast);
        continue;
      }
      if (Array.isArray(ast)) {
        output += this.getBlock(ast);
        continue;
      }
      this.tick(ast.pos);
      switch (ast.type) {
        case "references": {
          const text = this.show(this.getReferences(ast, false));
          // Inside an interpolated string the value stays raw: it is escaped once, when the string is printed.
          output += this.emit(this.escapeValues && this.stringDepth === 0 ? escapeHtml(text) : text);
          break;
        }
        case "set":
          this.setValue(ast);
          break;
        case "comment":
          break;
        case "raw":
          output += this.emit(String(ast.value));
          break;
        default:
          throw this.refusal(`#${ast.type} is not allowed; ${ALLOWED}`, ast.pos);
      }
    }
    return output;
  }

  getBlock(block: Item[]): string {
    const head = block[0] as Node;
    this.tick(head.pos);
    if (head.type === "if") return this.getBlockIf(block) || "";
    if (head.type === "foreach") return this.getBlockEach(block);
    throw this.refusal(`#${head.type} is not allowed; ${ALLOWED}`, head.pos);
  }

  /** #foreach over a list or a range (as the engine does it), counting every iteration. */
  getBlockEach(block: Item[]): string {
    const head = block[0] as Node;
    const items = this.getLiteral({ ...head.from, pos: head.pos });
    if (!Array.isArray(items) || items.length === 0) return "";
    const body = block.slice(1);
    const contextId = `foreach:sandbox:${++this.loops}`;
    // The engine calls hasOwnProperty on these scopes, so this one keeps its prototype; its names passed the check.
    const local: Record<string, unknown> = {};
    let output = "";
    for (let i = 0; i < items.length; i++) {
      if (++this.iterationsDone > this.limits.iterations) {
        throw this.refusal(`#foreach loops ran more than ${count(this.limits.iterations)} times in all`, head.pos);
      }
      local[head.to] = items[i];
      local.foreach = Object.assign(Object.create(null), { count: i + 1, index: i, hasNext: i + 1 < items.length });
      local.velocityCount = i + 1;
      this.local[contextId] = local;
      output += this.renderAstList(body, contextId);
    }
    this.local[contextId] = {};
    this.conditions.shift();
    this.contextId = this.conditions[0] || "";
    return output;
  }

  getLiteral(literal: Node): unknown {
    this.tick();
    if (literal.type === "map") throw this.refusal("maps ({...}) are not allowed");
    return super.getLiteral(literal);
  }

  /** Lists as the engine makes them; ranges only of whole numbers, counted before they are made. */
  getArray(literal: Node): unknown[] {
    if (!literal.isRange) return (literal.value as Node[]).map((element) => this.getLiteral(element));
    const [from, to] = (literal.value as (string | number | Node)[]).map((bound) =>
      typeof bound === "number" ? bound : typeof bound === "string" ? parseInt(bound, 10) : wholeNumber(this.getReferences(bound)),
    );
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) return [];
    const size = Math.abs(to - from) + 1;
    if ((this.rangeItemsMade += size) > this.limits.rangeItems) {
      throw this.refusal(`ranges would make more than ${count(this.limits.rangeItems)} numbers in all ([${from}..${to}])`);
    }
    const step = from <= to ? 1 : -1;
    return Array.from({ length: size }, (_, i) => from + i * step);
  }

  /**
   * Arithmetic, comparison and logic as the engine does them, but only on numbers, text,
   * booleans and null: a list or an object would be turned into text by JavaScript itself,
   * out of our count (a list of a thousand long strings joined in one go).
   */
  getExpression(ast: Node): unknown {
    this.tick();
    if (ast.type !== "math") return this.getLiteral(ast);
    const [left, right] = ast.expression as Node[];
    switch (ast.operator) {
      case "&&":
        return this.getExpression(left) && this.getExpression(right);
      case "||":
        return this.getExpression(left) || this.getExpression(right);
      case "not":
        return !this.getExpression(left);
      case "parenthesis":
        return this.getExpression(left);
      case "minus":
        return -(this.operand(left) as number);
    }
    const a = this.getExpression(left);
    const b = this.getExpression(right);
    if (ast.operator === "==" || ast.operator === "!=") {
      // Loose equality as the engine's, between primitives; a list or an object equals only itself.
      const same = isPrimitive(a) && isPrimitive(b) ? a == b : a === b;
      return ast.operator === "==" ? same : !same;
    }
    if (!isPrimitive(a) || !isPrimitive(b)) throw this.refusal(`${ast.operator} works on numbers and text, not on lists or objects`);
    const [x, y] = [a, b] as [number, number];
    switch (ast.operator) {
      case "+":
        if ((typeof a === "string" || typeof b === "string") && String(a).length + String(b).length > this.outputBudget) throw this.tooLong();
        return x + y;
      case "-":
        return x - y;
      case "*":
        return x * y;
      case "/":
        return x / y;
      case "%":
        return x % y;
      case ">":
        return x > y;
      case "<":
        return x < y;
      case ">=":
        return x >= y;
      case "<=":
        return x <= y;
      default:
        throw this.refusal(`the operator ${ast.operator} is not allowed`);
    }
  }

  private operand(node: Node): unknown {
    const value = this.getExpression(node);
    if (!isPrimitive(value)) throw this.refusal("- works on numbers, not on lists or objects");
    return value;
  }

  /** `$a.b` and `$a[...]`: own properties of data only; never a method. */
  getAttributes(property: Node, base: unknown, ast: Node): unknown {
    if (property.type === "method") throw this.refusal(`${referenceText(ast)} calls a method; templates may only read values`);
    let key: unknown = property.id;
    if (property.type === "index") {
      const id = property.id as Node;
      key = id.type === "references" ? this.getReferences(id) : id.type === "integer" ? Number(id.value) : id.value;
    }
    if (typeof key !== "string" && typeof key !== "number") return undefined;
    if (typeof base !== "object" || base === null || !Object.hasOwn(base, key)) return undefined;
    return (base as Record<string | number, unknown>)[key];
  }

  getPropMethod(_property: Node, _base: unknown, ast: Node): never {
    throw this.refusal(`${referenceText(ast)} calls a method; templates may only read values`);
  }

  getMacro(ast: Node): never {
    throw this.refusal(`#${ast.id}(...) is not allowed; ${ALLOWED}`, ast.pos);
  }

  /** A double-quoted string with $ or #: rendered from the tree the check saw, not parsed again. */
  evalStr(str: string): string {
    const asts = this.strings.get(str);
    if (!asts) throw this.refusal(`the string "${str}" was not checked`);
    this.stringDepth++;
    try {
      return this.renderAstList(asts, this.contextId);
    } finally {
      this.stringDepth--;
    }
  }
}

function wholeNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return NaN;
}

export interface VelocityOutput {
  output: string;
  /** Names the template read that neither the values nor the template itself define. */
  missing: string[];
}

/**
 * Checks a template and renders it in the sandbox. Throws a TemplateError when the template is
 * refused or a limit is reached; nothing of it is rendered then.
 */
export function renderVelocitySandboxed(
  template: string,
  values: Readonly<Record<string, unknown>>,
  options: { html: boolean; limits?: VelocityLimits },
): VelocityOutput {
  const limits = options.limits ?? VELOCITY_LIMITS;
  const { checked, problems } = check(template, limits);
  if (!checked || problems.length > 0) throw new TemplateError(problems[0]);

  const data: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(values)) data[name] = sandboxData(value, limits.dataDepth);
  const asked = new Set<string>();
  // Records the names the template looked for and did not find.
  const context = new Proxy(data, {
    get(target, key) {
      if (typeof key !== "string") return undefined;
      if (Object.hasOwn(target, key)) return target[key];
      asked.add(key);
      return undefined;
    },
  });
  const engine = new SandboxedEngine(checked.asts, checked.strings, options.html, limits, template.length + limits.growth);
  let output: string;
  try {
    output = engine.run(context);
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    // Anything else the engine throws comes of this template and these values: refused the same way.
    throw engine.refusal(`the template could not be rendered (${String((error as Error)?.message ?? error).split("\n")[0]})`);
  }
  return { output, missing: [...asked].filter((name) => !checked.locals.has(name)) };
}
