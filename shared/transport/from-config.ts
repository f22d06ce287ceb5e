import type { Config } from "../config.ts";
import { makeSesTransport, SESv2Client } from "./ses.ts";
import { makeSmtpTransport, type Transport } from "./transport.ts";

export function transportFromConfig(config: Config): Transport {
  const transport = config.transport;
  if (transport.kind === "ses") return makeSesTransport(new SESv2Client({ region: config.region }), transport.configurationSet);
  return makeSmtpTransport({ ...transport, plain: transport.kind === "mailbox" });
}
