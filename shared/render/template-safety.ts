// What every template engine shares when a template is refused or a render is stopped: a problem
// with its place in the template, own-property lookups, and a bound on how much substitution may
// add to a part.
// Templates and their values come from tenants, so both are treated as hostile.

/** Why a template was refused; `line` and `column` (both from 1) when the place is known. */
export interface TemplateProblem {
  message: string;
  line?: number;
  column?: number;
}

export class TemplateError extends Error {
  readonly problem: TemplateProblem;
  /** Which part of the message held the template ("subject", "HTML body"), once known. */
  readonly part?: string;

  constructor(problem: TemplateProblem, part?: string) {
    super(describeTemplateProblem(problem, part));
    this.name = "TemplateError";
    this.problem = problem;
    this.part = part;
  }
}

export const isTemplateError = (error: unknown): error is TemplateError => error instanceof TemplateError;

/** "in the HTML body at line 3, column 7: <message>" */
export function describeTemplateProblem(problem: TemplateProblem, part?: string): string {
  const where =
    problem.line === undefined ? "" : ` at line ${problem.line}${problem.column === undefined ? "" : `, column ${problem.column}`}`;
  const scope = part ? `in the ${part}` : "";
  const prefix = `${scope}${where}`.trim();
  return prefix ? `${prefix}: ${problem.message}` : problem.message;
}

/**
 * How many characters the lookup engines (`{{Name}}`, `[Name]`) may add to one part beyond the
 * template's own length: a mail that large could not be sent anyway, while one large value
 * in one place still fits.
 */
export const LOOKUP_GROWTH_LIMIT = 10_000_000;

/**
 * Counts what a lookup engine adds to a part and stops it before a template that repeats a
 * large value many times grows past the limit.
 */
export function growthMeter(limit = LOOKUP_GROWTH_LIMIT): (replaced: string, by: string) => void {
  let grown = 0;
  return (replaced, by) => {
    grown += by.length - replaced.length;
    if (grown > limit) throw new TemplateError({ message: `substitution would add more than ${limit.toLocaleString("en")} characters` });
  };
}

/** A value by name from a record, only when it is the record's own (never `constructor` or `__proto__` of its prototype). */
export function ownValue<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
