import type { Config } from "../config.ts";
import { makeSesClient } from "../aws.ts";
import { makeSesTransport } from "./ses.ts";
import { makeSmtpTransport, type Transport } from "./transport.ts";

export function transportFromConfig(config: Config): Transport {
  const transport = config.transport;
  if (transport.kind === "ses") return makeSesTransport(makeSesClient(config), transport.configurationSet);
  return makeSmtpTransport({ ...transport, plain: transport.kind === "mailbox" });
}
