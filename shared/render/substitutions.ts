// Substitutions of the SMTP options header (SPEC §4, §5): `template_engine` "simple" writes
// `{{Name}}`, "velocity" writes Velocity (`$Name`, `${Name}`, `#if`, `#foreach`). They apply to
// Subject, the From and To names and both bodies of every copy, at compose time, so each copy
// can also use its own `{{to_email}}` and `{{to_name}}`. A missing value renders empty and is
// reported, like a missing `[Name]` merge field of the HTTP API.
import velocity from "velocityjs";
import type { StoredBody } from "../files/bodies.ts";
import type { Message } from "../store/messages.ts";
import { escapeHtml } from "./escape.ts";

export type Engine = "simple" | "velocity" | "none";

export interface Substituted {
  output: string;
  missing: string[];
}

const SIMPLE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

export function renderSimple(template: string, values: Record<string, unknown>, html: boolean): Substituted {
  const missing: string[] = [];
  const output = template.replace(SIMPLE, (_match, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) {
      missing.push(name);
      return "";
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return html ? escapeHtml(text) : text;
  });
  return { output, missing };
}

type Ast = unknown;

/** Velocity prints an unknown `$Name` as written; SPEC §5 wants it empty, so every reference is made quiet (`$!Name`). */
function quietAndLocals(node: Ast, locals: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => quietAndLocals(n, locals));
  if (!node || typeof node !== "object") return;
  const n = node as Record<string, unknown>;
  if (n.type === "references" && n.prue) n.leader = "$!";
  if (n.type === "foreach" && typeof n.to === "string") locals.add(n.to);
  if (n.type === "set" && Array.isArray(n.equal)) {
    const target = n.equal[0] as { id?: string } | undefined;
    if (target?.id) locals.add(target.id);
  }
  if (n.type === "macro" && Array.isArray(n.args)) for (const arg of n.args as { id?: string }[]) if (arg.id) locals.add(arg.id);
  for (const value of Object.values(n)) quietAndLocals(value, locals);
}

export function renderVelocity(template: string, values: Record<string, unknown>, html: boolean): Substituted {
  const asts = velocity.parse(template);
  const locals = new Set<string>(["velocityCount", "foreach"]);
  quietAndLocals(asts, locals);
  const asked = new Set<string>();
  // Records the names the template looked for and did not find.
  const context = new Proxy(values, {
    get(target, key) {
      if (typeof key !== "string") return undefined;
      if (Object.hasOwn(target, key)) return target[key];
      asked.add(key);
      return undefined;
    },
  });
  const output = new velocity.Compile(asts, { escape: html }).render(context as Record<string, unknown>);
  return { output, missing: [...asked].filter((name) => !locals.has(name)) };
}

/** Throws (with the parser's message) when a Velocity template cannot be parsed; checked before a message is accepted. */
export function checkTemplate(engine: Engine, template: string): void {
  if (engine === "velocity" && template) velocity.parse(template);
}

export function substitute(engine: Engine, template: string, values: Record<string, unknown>, html: boolean): Substituted {
  if (!template || engine === "none") return { output: template, missing: [] };
  try {
    return engine === "velocity" ? renderVelocity(template, values, html) : renderSimple(template, values, html);
  } catch (error) {
    // Checked at accept time, so this is a runtime failure (a method call on a missing value): send it unrendered and say so.
    return { output: template, missing: [`velocity error: ${(error as Error).message.split("\n")[0]}`] };
  }
}

/** The values of one copy: its own address and name, then the message's substitutions (structured ones parsed back). */
export function valuesOf(message: Message): Record<string, unknown> {
  const values: Record<string, unknown> = { to_email: message.to.address, to_name: message.to.name ?? "" };
  const structured = new Set(message.options.structuredFields ?? []);
  for (const [name, value] of Object.entries(message.mergeFields)) {
    if (!structured.has(name)) values[name] = value;
    else {
      try {
        values[name] = JSON.parse(value);
      } catch {
        values[name] = value;
      }
    }
  }
  return values;
}

// The `[Name]` macros of the HTTP API (shared/render/merge.ts). SMTP mail keeps only the reserved
// [Unsubscribe] and [WebVersion]; any other bracketed word is the sender's text and stays as is.
const BRACKET_MACRO = /\[([A-Za-z_][\w.-]{0,99})\]/g;
const RESERVED = new Set(["Unsubscribe", "WebVersion"]);

function literalMacros(...texts: (string | undefined)[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const text of texts) for (const [, name] of (text ?? "").matchAll(BRACKET_MACRO)) if (!RESERVED.has(name)) fields[name] = `[${name}]`;
  return fields;
}

export interface PreparedForCompose {
  message: Message;
  body: StoredBody;
  /** Strict mode: the To header as the client wrote it (all its addresses), instead of the copy's own address. */
  headerTo?: string;
  missing: string[];
}

/**
 * The compose hook of the SMTP door: a message whose options carry a template engine came in
 * over SMTP; its substitutions are applied here, before the `[Name]` merge runs, which then only
 * fills [Unsubscribe] and [WebVersion]. HTTP messages pass through untouched.
 */
export function applySmtpOptions(message: Message, body: StoredBody): PreparedForCompose {
  const engine = message.options.templateEngine;
  if (!engine) return { message, body, missing: [] };
  const values = valuesOf(message);
  const missing: string[] = [];
  const run = (template: string | undefined, html: boolean) => {
    if (template === undefined) return undefined;
    const result = substitute(engine, template, values, html);
    missing.push(...result.missing);
    return result.output;
  };
  const subject = run(body.subject, false) ?? "";
  const html = run(body.html, true);
  const text = run(body.text, false);
  const fromName = run(message.from.name, false);
  const toName = run(message.to.name, false);

  const { To: headerTo, ...headers } = body.headers ?? {};
  return {
    message: {
      ...message,
      from: { ...message.from, name: fromName || undefined },
      to: { ...message.to, name: toName || undefined },
      mergeFields: literalMacros(subject, html, text),
    },
    body: { ...body, subject, html, text, headers },
    headerTo: message.options.strict ? headerTo : undefined,
    missing: [...new Set(missing)],
  };
}
