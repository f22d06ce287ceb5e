// What other features (the two doors) may use of templates/: a stored template named in a message.
export { templateBody, templateForMessage, type TemplateFields } from "./resolve.ts";
// The template API's request schemas and answer, for the OpenAPI document.
export {
  contentSchema as templateContentSchema,
  createSchema as templateCreateSchema,
  renderSchema as templateRenderSchema,
  templateView,
} from "./manage.ts";
