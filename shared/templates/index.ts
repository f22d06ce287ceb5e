// What other features (the two doors) may use of templates/: a stored template named in a message.
export { templateBody, templateForMessage, type TemplateFields } from "./resolve.ts";
