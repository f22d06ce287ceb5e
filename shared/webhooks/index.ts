// What other features may use of webhooks/: the URL policy, which the send API applies to a
// recipient's callbackUrl as the webhook API applies it to endpoint URLs.
export { urlSyntaxProblem, type UrlPolicyMode } from "./url-policy.ts";
export { makeDomainEventNotifier } from "./domain-events.ts";
