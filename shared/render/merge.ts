// Merge fields of the HTTP API: `[Name]` in Subject and Body, plus the two reserved macros
// `[Unsubscribe]` and `[WebVersion]` (docs/http-api.md). A missing value renders empty and is reported
// back so the worker can note it in the message's history. Fields are looked up among the
// message's own only, so `[constructor]` is a missing field like any other; a template that
// would grow a part past the limit is refused (a TemplateError) rather than built.
import { escapeHtml } from "../lib/html.ts";
import { texts } from "../domain/i18n.ts";
import { growthMeter, ownValue } from "./template-safety.ts";

// Only identifier-like names are macros, so "[1]" footnotes and "[ ]" checkboxes survive.
const MACRO = /\[([A-Za-z_][\w.-]{0,99})\]/g;

export interface MergeContext {
  fields: Record<string, string>;
  links: { unsubscribe: string; webVersion: string };
  language: string;
}

export interface Rendered {
  output: string;
  missing: string[];
  /** Whether the template placed the unsubscribe link itself. */
  hasUnsubscribe: boolean;
}

const RESERVED = { Unsubscribe: "unsubscribe", WebVersion: "webVersion" } as const;
type Reserved = keyof typeof RESERVED;
const isReserved = (name: string): name is Reserved => Object.hasOwn(RESERVED, name);

function render(template: string, replace: (name: string, offset: number, source: string) => string | undefined): Rendered {
  const missing: string[] = [];
  let hasUnsubscribe = false;
  const grow = growthMeter();
  const output = template.replace(MACRO, (match, name: string, offset: number, source: string) => {
    if (name === "Unsubscribe") hasUnsubscribe = true;
    const value = replace(name, offset, source);
    if (value === undefined) missing.push(name);
    grow(match, value ?? "");
    return value ?? "";
  });
  return { output, missing, hasUnsubscribe };
}

/** Subject and plain-text parts: values as they are, reserved macros as bare URLs. */
export function renderPlain(template: string, context: MergeContext): Rendered {
  return render(template, (name) => (isReserved(name) ? context.links[RESERVED[name]] : ownValue(context.fields, name)));
}

/**
 * HTML parts: values are HTML-escaped (a merge field is data, not markup). A reserved macro
 * inside a tag (`href="[Unsubscribe]"`) becomes the URL; standing alone it becomes a link with
 * a localized label.
 */
export function renderHtml(template: string, context: MergeContext): Rendered {
  const labels = texts(context.language);
  return render(template, (name, offset, source) => {
    if (!isReserved(name)) {
      const value = ownValue(context.fields, name);
      return value === undefined ? undefined : escapeHtml(value);
    }
    const url = escapeHtml(context.links[RESERVED[name]]);
    if (insideTag(source, offset)) return url;
    const label = name === "Unsubscribe" ? labels.unsubscribe : labels.webVersion;
    return `<a href="${url}">${escapeHtml(label)}</a>`;
  });
}

function insideTag(source: string, offset: number): boolean {
  return source.lastIndexOf("<", offset) > source.lastIndexOf(">", offset);
}

/** The footer added to HTML when the template has no `[Unsubscribe]` of its own. */
export function unsubscribeFooter(unsubscribeUrl: string, language: string): string {
  const t = texts(language);
  return (
    `<div style="margin-top:24px;font-size:12px;color:#777;text-align:center">` +
    `${escapeHtml(t.footer)} <a href="${escapeHtml(unsubscribeUrl)}" style="color:#777">${escapeHtml(t.unsubscribe)}</a></div>`
  );
}

/** Puts the footer before `</body>` when there is one, otherwise at the end. */
export function appendToHtmlBody(html: string, fragment: string): string {
  const close = html.search(/<\/body\s*>/i);
  return close === -1 ? html + fragment : html.slice(0, close) + fragment + html.slice(close);
}
