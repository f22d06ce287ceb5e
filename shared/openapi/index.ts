// What other features and the entries may use of openapi/: the document and its reference page.
export { errorCodesOf, openApiDocument, operationsOf, type RouteRef } from "./document.ts";
export { referencePage } from "./reference-page.ts";
export { ROUTE_DOCS } from "./routes.ts";
