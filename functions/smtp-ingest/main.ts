// The SMTP ingest container (Fargate behind an NLB; see functions/smtp-ingest/Dockerfile):
// STARTTLS on SMTP_STARTTLS_PORT, implicit TLS on SMTP_TLS_PORT, GET /health on HEALTH_PORT.
// The certificate comes from TLS_CERT_PEM and TLS_KEY_PEM, which the stack injects from its
// Secrets Manager secret. SIGTERM drains: no new sessions, transactions in flight finish.
import { loadConfig, type Config } from "../../shared/config.ts";
import { smtpDeps, wiring } from "../../shared/wiring.ts";
import { log } from "../../shared/log.ts";
import { startSmtpIngest } from "../../shared/smtp/server.ts";
import { smtpSettings } from "../../shared/smtp/settings.ts";
import { startHealthServer } from "./health.ts";

function tlsOf(config: Config): { key: string; cert: string } {
  const { tlsCertPem: cert, tlsKeyPem: key, tlsCertSecretArn } = config.smtpServer;
  if (cert && key) return { cert, key };
  if (tlsCertSecretArn) {
    throw new Error(
      "TLS_CERT_SECRET_ARN is not read directly: pass the secret's cert and key as TLS_CERT_PEM and TLS_KEY_PEM (the CDK stack does)",
    );
  }
  throw new Error("Set TLS_CERT_PEM and TLS_KEY_PEM: SMTP submission is TLS only");
}

async function main() {
  const config = loadConfig();
  // Many sessions at once: their accept-path writes go out together (shared/lib/coalesce.ts).
  const deps = smtpDeps(wiring({ config, coalesce: true }));
  const ingest = await startSmtpIngest({
    deps,
    settings: smtpSettings(config),
    tls: tlsOf(config),
    host: config.smtpServer.bindHost,
    starttlsPort: config.smtpServer.starttlsPort,
    tlsPort: config.smtpServer.tlsPort,
  });
  const health = await startHealthServer(config.smtpServer.healthPort, () => ingest.accepting(), config.smtpServer.bindHost);
  log.info("smtp ingest listening", { starttlsPort: ingest.starttlsPort, tlsPort: ingest.tlsPort, healthPort: health.port });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("smtp ingest draining", { signal, sessions: ingest.sessions() });
    await ingest.close();
    await health.close();
    log.info("smtp ingest stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  log.error("smtp ingest failed to start", { error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
