// What saving a template checks (docs/templates.md): each part with the rules of its engine, the
// same rules a message is checked with when it is accepted. Velocity: the sandbox's parse and
// allowlist (an unclosed #if, a missing #end, a method call ...). Simple: every `{{` closed by a
// `}}` around one name. Each problem names the part and where in it.
import { checkVelocity } from "../render/index.ts";
import type { TemplateProblem } from "../render/index.ts";
import type { Reason } from "../domain/errors.ts";
import { TEMPLATE_MAX_BYTES, type TemplateContent, type TemplateEngineName } from "../domain/template.ts";

/** The parts of a template, by the field that holds them in the API. */
export const TEMPLATE_FIELDS = { subject: "Subject", html: "Html", text: "Text" } as const;
type Part = keyof typeof TEMPLATE_FIELDS;

function placeOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

const NAME_INSIDE = /^\s*[^{}\s]+\s*$/;

/** `{{Name}}` templates: every `{{` closed by a `}}`, around one name (the engine would leave anything else as it is). */
export function checkSimple(template: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  let open: number | undefined;
  for (let i = 0; i < template.length; ) {
    if (template.startsWith("{{", i)) {
      if (open !== undefined) problems.push({ message: "{{ is not closed with }} before the next {{", ...placeOf(template, open) });
      open = i;
      i += 2;
    } else if (template.startsWith("}}", i)) {
      if (open === undefined) problems.push({ message: "}} without an opening {{", ...placeOf(template, i) });
      else if (!NAME_INSIDE.test(template.slice(open + 2, i))) {
        problems.push({
          message: `${template.slice(open, i + 2).slice(0, 60)} is not a substitution: one name, without spaces or braces`,
          ...placeOf(template, open),
        });
      }
      open = undefined;
      i += 2;
    } else i++;
  }
  if (open !== undefined) problems.push({ message: "{{ is never closed with }}", ...placeOf(template, open) });
  return problems;
}

export function checkPart(engine: TemplateEngineName, template: string): TemplateProblem[] {
  return engine === "velocity" ? checkVelocity(template) : checkSimple(template);
}

/** "Html at line 3, column 7: <what>" */
export function describeProblem(field: string, problem: TemplateProblem): string {
  const where =
    problem.line === undefined ? "" : ` at line ${problem.line}${problem.column === undefined ? "" : `, column ${problem.column}`}`;
  return `${field}${where}: ${problem.message}`;
}

export interface ContentProblem extends Reason {
  message: string;
}

/** Every problem of a template's content, each naming its field; none when it may be saved. */
export function contentProblems(content: TemplateContent): ContentProblem[] {
  const problems: ContentProblem[] = [];
  if (!content.html && !content.text) {
    problems.push({ key: "body_required", ref: "Html", message: "A template needs Html or Text" });
  }
  const size = ["subject", "html", "text"].reduce((sum, part) => sum + Buffer.byteLength(content[part as Part] ?? ""), 0);
  if (size > TEMPLATE_MAX_BYTES) {
    problems.push({
      key: "too_long",
      ref: content.html ? "Html" : "Text",
      message: `Subject, Html and Text together are ${size.toLocaleString("en")} bytes; a template may have at most ${TEMPLATE_MAX_BYTES.toLocaleString("en")}`,
    });
    return problems;
  }
  for (const part of Object.keys(TEMPLATE_FIELDS) as Part[]) {
    const template = content[part];
    if (!template) continue;
    const field = TEMPLATE_FIELDS[part];
    for (const problem of checkPart(content.engine, template)) {
      problems.push({ key: "invalid_template", ref: field, message: describeProblem(field, problem) });
    }
  }
  return problems;
}
