// The second half of the Velocity sandbox: a template that passed the check of
// ./velocity-check.ts is rendered by a subclass of the engine (velocityjs) that reads only own
// properties of null-prototype copies of the values, never calls a method or a macro, and counts
// its steps, loop iterations, range numbers and every character it produces. The same check and
// render run when a message is accepted and every time it is rendered (delivery, web version).
import velocity from "velocityjs";
import { escapeHtml } from "../lib/html.ts";
import { TemplateError } from "./template-safety.ts";
import {
  ALLOWED,
  at,
  checkedVelocity,
  formatNumber,
  referenceText,
  VELOCITY_LIMITS,
  type Item,
  type Node,
  type Pos,
  type VelocityLimits,
} from "./velocity-check.ts";

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
    if (++this.ticks > this.limits.steps)
      throw this.refusal(`the template takes more than ${formatNumber(this.limits.steps)} steps to render`);
    if (this.ticks % 256 === 0 && performance.now() - this.started > this.limits.milliseconds) {
      throw this.refusal(`the template took longer than ${formatNumber(this.limits.milliseconds)} ms to render`);
    }
  }

  private emit(text: string): string {
    this.produced += text.length;
    if (this.produced > this.outputBudget) throw this.tooLong();
    return text;
  }

  private tooLong(): TemplateError {
    return this.refusal(`the template would produce more than ${formatNumber(this.limits.growth)} characters beyond its own length`);
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
    const items = this.getLiteral({ ...(head.from as Node), pos: head.pos });
    if (!Array.isArray(items) || items.length === 0) return "";
    const body = block.slice(1);
    const contextId = `foreach:sandbox:${++this.loops}`;
    // The engine calls hasOwnProperty on these scopes, so this one keeps its prototype; its names passed the check.
    const local: Record<string, unknown> = {};
    let output = "";
    for (let i = 0; i < items.length; i++) {
      if (++this.iterationsDone > this.limits.iterations) {
        throw this.refusal(`#foreach loops ran more than ${formatNumber(this.limits.iterations)} times in all`, head.pos);
      }
      local[String(head.to)] = items[i];
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
    this.rangeItemsMade += size;
    if (this.rangeItemsMade > this.limits.rangeItems) {
      throw this.refusal(`ranges would make more than ${formatNumber(this.limits.rangeItems)} numbers in all ([${from}..${to}])`);
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
      // biome-ignore lint/suspicious/noDoubleEquals: Velocity's == is JavaScript's loose one ("1" == 1), as the engine's own is.
      const same = isPrimitive(a) && isPrimitive(b) ? a == b : a === b;
      return ast.operator === "==" ? same : !same;
    }
    if (!isPrimitive(a) || !isPrimitive(b)) throw this.refusal(`${ast.operator} works on numbers and text, not on lists or objects`);
    const [x, y] = [a, b] as [number, number];
    switch (ast.operator) {
      case "+":
        if ((typeof a === "string" || typeof b === "string") && String(a).length + String(b).length > this.outputBudget)
          throw this.tooLong();
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
  const { checked, problems } = checkedVelocity(template, limits);
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
