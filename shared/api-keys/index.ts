// What other features may use of api-keys/: the request schema and answer shape, for the OpenAPI document.
export { apiKeyView, createKeySchema } from "./manage.ts";
