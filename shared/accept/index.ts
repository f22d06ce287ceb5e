// What other features (the SMTP door) may use of accept/: the one accept path.
export { acceptSubmission, type AcceptDeps } from "./accept.ts";
// The send request's schemas, for the OpenAPI document.
export { recipientSchema as sendRecipientSchema, requestSchema as sendRequestSchema } from "./http-request.ts";
