// What other features may use of render/: composing a recipient's mail (the web version shows
// the same HTML), the template checks both doors make at accept time, and the engines themselves
// for stored templates (their checks when saved, their previews).
export { composeMail, type Composed, type LinkSettings } from "./compose.ts";
export { checkTemplate, substitute, TEMPLATE_PARTS, valuesFor } from "./substitutions.ts";
export { describeTemplateProblem, isTemplateError, TemplateError, type TemplateProblem } from "./template-safety.ts";
export { checkVelocity } from "./velocity-check.ts";
