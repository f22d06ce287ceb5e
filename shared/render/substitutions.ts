// Substitutions of the SMTP options header (docs/smtp.md): `template_engine` "simple" writes
// `{{Name}}`, "velocity" writes Velocity (`$Name`, `${Name}`, `#if`, `#foreach`). They apply to
// Subject, the From and To names and both bodies of every copy, at compose time, so each copy
// can also use its own `{{to_email}}` and `{{to_name}}`. A missing value renders empty and is
// reported, like a missing `[Name]` merge field of the HTTP API. Templates are hostile: Velocity
// runs in a sandbox (./velocity-sandbox.ts), lookups read own values only, and a template that is
// refused or hits a limit throws a TemplateError: nothing of it is sent.

import { escapeHtml } from "../lib/html.ts";
import { growthMeter, isTemplateError, ownValue, TemplateError, type TemplateProblem } from "./template-safety.ts";
import { renderVelocitySandboxed } from "./velocity-sandbox.ts";
import type { StoredBody } from "../domain/body.ts";
import type { Message } from "../domain/message.ts";

export type Engine = "simple" | "velocity" | "none";

export interface Substituted {
  output: string;
  missing: string[];
}

/** The parts of a message that are templates, as refusals name them. */
export const TEMPLATE_PARTS = {
  subject: "subject",
  html: "HTML body",
  text: "text body",
  fromName: "From name",
  toName: "To name",
} as const;

const SIMPLE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

export function renderSimple(template: string, values: Readonly<Record<string, unknown>>, html: boolean): Substituted {
  const missing: string[] = [];
  const grow = growthMeter();
  const output = template.replace(SIMPLE, (match, name: string) => {
    const value = ownValue(values, name);
    if (value === undefined || value === null) {
      missing.push(name);
      return "";
    }
    const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
    const replacement = html ? escapeHtml(text) : text;
    grow(match, replacement);
    return replacement;
  });
  return { output, missing };
}

/** Velocity in the sandbox; throws a TemplateError when the template is refused or a limit is reached. */
export function renderVelocity(template: string, values: Readonly<Record<string, unknown>>, html: boolean): Substituted {
  return renderVelocitySandboxed(template, values, { html });
}

/** Renders one part; throws a TemplateError instead of sending a template it refused. */
export function substitute(engine: Engine, template: string, values: Readonly<Record<string, unknown>>, html: boolean): Substituted {
  if (!template || engine === "none") return { output: template, missing: [] };
  return engine === "velocity" ? renderVelocity(template, values, html) : renderSimple(template, values, html);
}

/**
 * What is wrong with a template, or undefined: the same check and the same render as at
 * delivery, with the values a copy would have, so a template that delivery would refuse is
 * refused when the message is accepted.
 */
export function checkTemplate(
  engine: Engine,
  template: string,
  values: Readonly<Record<string, unknown>>,
  html: boolean,
): TemplateProblem | undefined {
  try {
    substitute(engine, template, values, html);
    return undefined;
  } catch (error) {
    if (isTemplateError(error)) return error.problem;
    throw error;
  }
}

/**
 * The values of one copy: its own address and name, then the substitutions (structured ones
 * parsed back). Without a prototype, so no name finds anything but these.
 */
export function valuesFor(
  to: { address: string; name?: string },
  fields: Readonly<Record<string, string>>,
  structuredFields: readonly string[] = [],
): Record<string, unknown> {
  const values: Record<string, unknown> = Object.create(null);
  values.to_email = to.address;
  values.to_name = to.name ?? "";
  const structured = new Set(structuredFields);
  for (const [name, value] of Object.entries(fields)) {
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

export const valuesOf = (message: Message): Record<string, unknown> =>
  valuesFor(message.to, message.mergeFields, message.options.structuredFields);

// The `[Name]` macros of the HTTP API (shared/render/merge.ts). SMTP mail keeps only the reserved
// [Unsubscribe] and [WebVersion]; any other bracketed word is the sender's text and stays as is.
const BRACKET_MACRO = /\[([A-Za-z_][\w.-]{0,99})\]/g;
const RESERVED = new Set(["Unsubscribe", "WebVersion"]);

function literalMacros(...texts: (string | undefined)[]): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const text of texts)
    for (const [, name] of (text ?? "").matchAll(BRACKET_MACRO)) if (!RESERVED.has(name)) fields[name] = `[${name}]`;
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
 * fills [Unsubscribe] and [WebVersion]. HTTP messages pass through untouched. Throws a
 * TemplateError naming the part when a template is refused.
 */
export function applySmtpOptions(message: Message, body: StoredBody): PreparedForCompose {
  const engine = message.options.templateEngine;
  if (!engine) return { message, body, missing: [] };
  const values = valuesOf(message);
  const missing: string[] = [];
  const run = (template: string | undefined, html: boolean, part: string) => {
    if (template === undefined) return undefined;
    try {
      const result = substitute(engine, template, values, html);
      missing.push(...result.missing);
      return result.output;
    } catch (error) {
      throw isTemplateError(error) ? new TemplateError(error.problem, part) : error;
    }
  };
  const subject = run(body.subject, false, TEMPLATE_PARTS.subject) ?? "";
  const html = run(body.html, true, TEMPLATE_PARTS.html);
  const text = run(body.text, false, TEMPLATE_PARTS.text);
  const fromName = run(message.from.name, false, TEMPLATE_PARTS.fromName);
  const toName = run(message.to.name, false, TEMPLATE_PARTS.toName);

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
