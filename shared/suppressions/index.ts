// What other features may use of suppressions/: the API's request schema and answer shape, for the OpenAPI document.
export { addSchema as suppressionAddSchema, suppressionView } from "./suppression-api.ts";
