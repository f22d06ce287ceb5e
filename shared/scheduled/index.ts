// What other features may use of scheduled/: the request schema, for the OpenAPI document.
export { moveSchema as scheduledMoveSchema } from "./manage.ts";
