// The stand-ins' own process (forked by local/standins-process.ts): dynalite, fauxqs, s3rver and
// the mailbox answer here, so their work runs on another core than the gateway and the handlers,
// as AWS's services run on other machines than a Lambda. Started and stopped over the IPC
// channel; when the parent dies (even by SIGKILL) the channel closes and this process exits.
import path from "node:path";
import { startDnsStandIn, type DnsStandIn } from "./dns-standin.ts";
import { simulateSesFeedback, startMailbox, type Mailbox } from "./mailbox.ts";
import { localSnsClient } from "./resources.ts";
import { startStandIns, type StandIns } from "./standins.ts";
import type { ChildReport, ParentCommand } from "./standins-process.ts";

let standIns: StandIns | undefined;
let mailbox: Mailbox | undefined;
let dns: DnsStandIn | undefined;
let sesFeedback: ReturnType<typeof simulateSesFeedback> | undefined;

const report = (message: ChildReport) => process.send?.(message);

async function start(command: Extract<ParentCommand, { type: "start" }>) {
  try {
    standIns = await startStandIns(command.dataDir, command.ports);
    dns = await startDnsStandIn({ dataDir: command.dataDir, port: command.ports.dns });
    mailbox = await startMailbox({
      dnsServers: [`127.0.0.1:${dns.port}`],
      dnsZoneVersion: dns.zoneVersion,
      dir: path.join(command.dataDir, "mailbox"),
      smtpPort: command.ports.mailboxSmtp,
      httpPort: command.ports.mailboxHttp,
      onStored: (entry) => sesFeedback?.(entry),
    });
    report({
      type: "ready",
      endpoints: standIns.endpoints,
      mailbox: { smtpPort: mailbox.smtpPort, url: mailbox.url },
      dnsPort: dns.port,
    });
  } catch (error) {
    report({ type: "failed", message: (error as Error).message, code: (error as { code?: string }).code });
    await stop(1);
  }
}

async function stop(code = 0) {
  await Promise.allSettled([mailbox?.close(), dns?.close(), standIns?.stop()]);
  process.exit(code);
}

process.on("message", (command: ParentCommand) => {
  if (command.type === "start") void start(command);
  else if (command.type === "ses-feedback") sesFeedback = simulateSesFeedback(localSnsClient(standIns!.endpoints.sqs), command.topicArn);
  else if (command.type === "cpu") report({ type: "cpu", micros: process.cpuUsage() });
  else if (command.type === "memory") report({ type: "memory", usage: process.memoryUsage() });
  else if (command.type === "stop") void stop();
});
// The parent is gone: exit at once. Everything the stand-ins acknowledged is already written
// (LevelDB's log, s3rver's files), just as after a kill -9 of the whole platform.
process.on("disconnect", () => process.exit(0));
// Ctrl-C in a terminal reaches the whole process group; the parent decides when this one stops.
process.on("SIGINT", () => undefined);
