// `npm start`: the whole platform on embedded stand-ins. Ports come from the environment
// (POSTHASTE_PORTS=auto picks free ones); data lives in .data/ (POSTHASTE_DATA_DIR). Every
// setting is read and checked by shared/config.ts (docs/configuration.md): a bad one stops here.
import path from "node:path";
import { ConfigError, loadLocalSettings, quietSdkVersionNotice, type LocalSettings } from "../shared/config.ts";
import { ROOT, startPlatform, type Platform } from "./platform.ts";

function settingsOrExit(): LocalSettings {
  try {
    return loadLocalSettings();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Posthaste did not start: ${error.message}`);
    process.exit(1);
  }
}

async function main() {
  quietSdkVersionNotice();
  const settings = settingsOrExit();
  const dataDir = settings.dataDir ?? path.join(ROOT, ".data");
  let platform: Platform;
  try {
    platform = await startPlatform({
      dataDir,
      settings,
      onFatal: (error) => {
        console.error(`\n${error.message}`);
        process.exit(1);
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "EADDRINUSE") {
      console.error(
        `A port Posthaste needs is taken (${(error as Error).message}). Stop the other process, or run with POSTHASTE_PORTS=auto.`,
      );
      process.exit(1);
    }
    throw error;
  }
  const { info } = platform;
  console.log(`
Posthaste is running locally.

  API             ${info.apiUrl}
  Mailbox (HTTP)  ${info.mailboxUrl}/messages
  Mailbox (SMTP)  127.0.0.1:${info.mailboxSmtpPort}
  SMTP submission 127.0.0.1:${info.smtpStarttlsPort} (STARTTLS)  127.0.0.1:${info.smtpTlsPort} (TLS)
                  user ${info.accountId}, password = the API key; self-signed certificate ${info.smtpCertFile}
  Account id      ${info.accountId}
  API key         ${info.apiKey}
  Sender domain   ${info.senderDomain}   (send From any address @${info.senderDomain}; DKIM-signed, verified)
  DNS stand-in    127.0.0.1:${info.dnsPort} (UDP)   (npm run admin -- dns publish --account <id> --domain <domain>)
  Data            ${dataDir}   (also written to ${path.join(dataDir, "local.json")})

Try it:
  curl -s ${info.apiUrl}/email/messages -H 'Authorization: Key ${info.apiKey}' -H 'Content-Type: application/json' \\
    -d '{"Recipients":[{"Address":"ivan@example.org","MergeFields":{"Name":"Ivan"}}],"Sender":{"Address":"hello@${info.senderDomain}"},"Subject":"Hi [Name]","Body":{"Html":"<p>Hello, [Name]!</p>[Unsubscribe]"}}'

  swaks --server 127.0.0.1:${info.smtpStarttlsPort} --tls \\
    --auth LOGIN --auth-user ${info.accountId} --auth-password '${info.apiKey}' \\
    --from hello@${info.senderDomain} --to ivan@example.org --header 'Subject: Hi over SMTP'

  (nodemailer: createTransport({ host: "127.0.0.1", port: ${info.smtpStarttlsPort}, requireTLS: true,
     tls: { ca: readFileSync("${info.smtpCertFile}") }, auth: { user: "${info.accountId}", pass: "<API key>" } }))

Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Posthaste...`);
    await platform.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
