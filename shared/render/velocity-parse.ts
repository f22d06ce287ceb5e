// Parsing a Velocity template with velocityjs, without its two traps.
//
// Speed. velocityjs's parser copies its list of statements at every statement, so its time grows
// with the square of their number; every `#` and `$` starts one, even the `#` of a CSS colour
// (`color:#336699`) or the `$` of a price, which the parser only turns back into text. Those
// are hidden from it here (swapped for private-use characters, one for one, so lines and
// columns stay true, and swapped back in the tree), so only the `#` and `$` that can begin a
// directive or a reference cost parsing time, and only they count against the cap checked
// before parsing (see VelocityLimits.markers).
//
// Structure. velocityjs nests blocks after parsing without checking them: a missing #end
// renders the rest of the template twice, an #end too many silently drops everything after it.
// A marker put after the template shows both: it must come out once, at the very end.
import velocity from "velocityjs";
import type { TemplateProblem } from "./template-safety.ts";

// The parser's tree, loosely: velocityjs's own types describe less than it produces.
export interface Pos {
  first_line: number;
  first_column: number;
}

/** A node of the tree: which fields it has depends on its type. Only what the check and the render read. */
export interface Node {
  type: string;
  pos?: Pos;
  /** A reference's or a macro's name, a property step's name; an index step's key (a node). */
  id?: string | Node;
  /** A reference's steps: `.name`, `[key]`, `.method()`. */
  path?: Node[];
  /** Present when a reference calls a method. */
  args?: unknown;
  /** #if and #elseif. */
  condition?: Node;
  /** #foreach: the variable, and the list or range it goes over. */
  to?: string;
  from?: Node;
  /** #set: what is assigned, and the value. */
  equal?: [Node, Node];
  /** An expression ("math"): its operator and operands. */
  operator?: string;
  expression?: Node[];
  /** A literal's value: its text (string, integer, raw), its elements (list) or its bounds (range). */
  value?: string | number | (string | number | Node)[];
  isRange?: boolean;
  /** A double-quoted string: a template of its own. */
  isEval?: boolean;
}
export type Item = string | Node | Item[];

export function at(message: string, pos: Pos | undefined): TemplateProblem {
  return pos ? { message, line: pos.first_line, column: pos.first_column + 1 } : { message };
}

const PLAIN_HASH = "\uE000";
const PLAIN_DOLLAR = "\uE001";
const END_MARK = "\uE002";

// What the lexer may take for the start of something (velocityjs 2.1.7's rules, read generously:
// in doubt a marker is left to the parser): comments, raw text, #{...}, #@macro, the directive
// words, any #name followed by "(" (a macro call), and $name, ${name}, $!name, $!{name}.
const LIVE_HASH =
  /#(?:[*#@{]|\[\[|(?:set|if|elseif|else|end|foreach|break|stop|define|macro|noescape|parse|include|evaluate)(?![A-Za-z0-9_])|[A-Za-z_][A-Za-z0-9_-]*[ \t]*\()/y;
const LIVE_DOLLAR = /\$!?[{A-Za-z_]/y;

export interface Shielded {
  /** The template with plain `#` and `$` swapped for characters the parser treats as text. */
  text: string;
  /** `#` and `$` left for the parser: those that may begin a directive or a reference. */
  markers: number;
  shielded: boolean;
}

/** Hides the `#` and `$` that begin nothing from the parser. */
export function shieldPlainMarkers(template: string): Shielded {
  // A template that already holds the stand-in characters is left as it is (every marker counts).
  if (template.includes(PLAIN_HASH) || template.includes(PLAIN_DOLLAR)) {
    let markers = 0;
    for (const char of template) if (char === "#" || char === "$") markers++;
    return { text: template, markers, shielded: false };
  }
  let markers = 0;
  // Comments and raw text are one token each, taken whole by the lexer: left exactly as written.
  const text = template.replace(/#\*[\s\S]+?\*#|#\[\[[\s\S]+?\]\]#|##[^\n]*|[#$]/g, (found, offset: number) => {
    if (found.length > 1) {
      markers++;
      return found;
    }
    const live = found === "#" ? LIVE_HASH : LIVE_DOLLAR;
    live.lastIndex = offset;
    if (live.test(template)) {
      markers++;
      return found;
    }
    return found === "#" ? PLAIN_HASH : PLAIN_DOLLAR;
  });
  return { text, markers, shielded: true };
}

/** The tree with every stand-in character turned back into the `#` or `$` it was. */
function unshield<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll(PLAIN_HASH, "#").replaceAll(PLAIN_DOLLAR, "$") as T;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = unshield(value[i]);
    return value;
  }
  if (value && typeof value === "object") {
    for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = unshield((value as Record<string, unknown>)[key]);
  }
  return value;
}

interface JisonError {
  hash?: { text?: string; token?: unknown; line?: number; loc?: { first_line: number; first_column: number } };
}

function syntaxProblem(error: unknown): TemplateProblem {
  const hash = (error as JisonError)?.hash;
  if (hash?.loc) {
    const ended = hash.token === 1 || hash.token === "EOF" || hash.text === "";
    const message = ended
      ? "syntax error: the template ends inside a directive (a missing ) or #end?)"
      : `syntax error: unexpected "${unshield(hash.text)}"`;
    return { message, line: hash.loc.first_line, column: hash.loc.first_column + 1 };
  }
  if (hash && typeof hash.line === "number") return { message: "syntax error: unrecognized text", line: hash.line + 1 };
  return { message: "syntax error: the template could not be parsed" };
}

const BLOCKS = new Set(["if", "foreach", "macro", "noescape", "define", "macro_body"]);
const isBlock = (item: Item): item is Item[] => Array.isArray(item) && typeof item[0] === "object" && !Array.isArray(item[0]);
const countIn = (text: string, char: string) => text.split(char).length - 1;

function endMarks(items: Item[]): number {
  let count = 0;
  for (const item of items) {
    if (typeof item === "string") count += countIn(item, END_MARK);
    else if (Array.isArray(item)) count += endMarks(item);
  }
  return count;
}

/** The first block, in reading order, that holds the end mark itself: a block the template never closed. */
function unclosedBlock(items: Item[]): Node | undefined {
  for (const item of items) {
    if (!isBlock(item)) continue;
    const head = item[0] as Node;
    const inner = unclosedBlock(item.slice(1));
    if (inner) return inner;
    if (BLOCKS.has(head.type) && item.some((child) => typeof child === "string" && child.includes(END_MARK))) return head;
  }
  return undefined;
}

/**
 * Where the first #end that closes nothing is, by a scan of the text (comments and raw text
 * skipped): the parser drops that part of the tree, so it cannot say.
 */
function strayEnd(template: string): TemplateProblem {
  const message = "#end without a matching #if or #foreach";
  const token = /#\*[\s\S]*?\*#|#\[\[[\s\S]*?\]\]#|##[^\n]*|#\{?(if|foreach|macro|define|noescape|end)\}?(?![A-Za-z0-9_])|#@[A-Za-z_]/g;
  let depth = 0;
  for (const match of template.matchAll(token)) {
    const word = match[1] ?? (match[0].startsWith("#@") ? "macro" : undefined);
    if (!word) continue;
    if (word !== "end") depth++;
    else if (depth > 0) depth--;
    else {
      const before = template.slice(0, match.index);
      const line = countIn(before, "\n") + 1;
      return { message, line, column: match.index - before.lastIndexOf("\n") };
    }
  }
  return { message };
}

/**
 * Parses a template already shielded (see shieldPlainMarkers): its tree with `#` and `$` as
 * written, or the first problem of its syntax or its block structure, with line and column.
 */
export function parseShielded(template: string, shielded: Shielded): { asts: Item[] } | { problem: TemplateProblem } {
  let asts: Item[];
  try {
    asts = velocity.parse(shielded.text + END_MARK) as unknown as Item[];
  } catch (error) {
    // The error as the template alone gives it: the end mark may have become the unexpected text.
    try {
      velocity.parse(shielded.text);
    } catch (own) {
      return { problem: syntaxProblem(own) };
    }
    return { problem: syntaxProblem(error) };
  }
  const last = asts.at(-1);
  const closed = endMarks(asts) === countIn(template, END_MARK) + 1 && typeof last === "string" && last.endsWith(END_MARK);
  if (!closed) {
    const open = unclosedBlock(asts);
    if (open)
      return { problem: at(`#${open.type === "macro_body" ? `@${open.id}` : open.type} is never closed: a missing #end?`, open.pos) };
    return { problem: strayEnd(template) };
  }
  const text = (last as string).slice(0, -END_MARK.length);
  if (text) asts[asts.length - 1] = text;
  else asts.pop();
  return { asts: shielded.shielded ? unshield(asts) : asts };
}

/** Parses a template: its tree, or its first syntax or structure problem. */
export const parseVelocity = (template: string) => parseShielded(template, shieldPlainMarkers(template));
