// What other features may use of render/: composing a recipient's mail (the web version shows
// the same HTML), the template checks of the SMTP door, the signed link tokens and the texts
// Posthaste writes into pages.
export { composeMail, type Composed, type LinkSettings } from "./compose.ts";
export { escapeHtml } from "./escape.ts";
export { htmlLang, languageFromHeader, texts } from "./i18n.ts";
export { verifyToken, type LinkPurpose } from "./links.ts";
export { PIXEL_GIF } from "./open-pixel.ts";
export { checkTemplate, TEMPLATE_PARTS, valuesFor } from "./substitutions.ts";
export { describeTemplateProblem, isTemplateError, TemplateError } from "./template-safety.ts";
