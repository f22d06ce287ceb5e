// What other features may use of webhooks/: the URL policy, which the send API applies to a
// recipient's callbackUrl as the webhook API applies it to endpoint URLs.
export { urlSyntaxProblem, type UrlPolicyMode } from "./url-policy.ts";
export { makeDomainEventNotifier } from "./domain-events.ts";
// The webhook API's request schema and answer, for the OpenAPI document.
export { createSchema as webhookCreateSchema, webhookView } from "./manage.ts";
