// What the webhook entry points build from the container's dependencies.
import type { CoreDeps } from "../deps.ts";
import { makeWebhookEndpointStore } from "./endpoints.ts";
import type { ManageWebhooksDeps } from "./manage.ts";

export function webhookDeps(deps: Pick<CoreDeps, "clients" | "config">): ManageWebhooksDeps {
  return { endpoints: makeWebhookEndpointStore(deps.clients.ddb, deps.config.tableName), config: deps.config };
}
