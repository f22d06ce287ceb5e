// The status listeners every entry point that changes statuses installs. Webhooks (and later
// reports and counters) plug in here, so no handler has to know about them.
import type { AwsClients } from "../aws.ts";
import type { Config } from "../config.ts";
import type { StatusListener } from "./status-service.ts";

export function statusListeners(_config: Config, _clients: AwsClients): StatusListener[] {
  return [];
}
