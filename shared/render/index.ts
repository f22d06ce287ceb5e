// What other features may use of render/: composing a recipient's mail (the web version shows
// the same HTML) and the template checks the SMTP door makes at accept time.
export { composeMail, type Composed, type LinkSettings } from "./compose.ts";
export { checkTemplate, TEMPLATE_PARTS, valuesFor } from "./substitutions.ts";
export { describeTemplateProblem, isTemplateError, TemplateError } from "./template-safety.ts";
