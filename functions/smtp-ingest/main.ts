// The SMTP ingest container (Fargate behind an NLB; see functions/smtp-ingest/Dockerfile):
// STARTTLS on SMTP_STARTTLS_PORT, implicit TLS on SMTP_TLS_PORT, GET /health on HEALTH_PORT.
// The certificate comes from TLS_CERT_SECRET_ARN, the Secrets Manager secret the stack names,
// read again every SECRETS_MAX_AGE_SECONDS and reloaded without dropping a session when it
// changed (shared/smtp/certificate.ts); or from TLS_CERT_PEM and TLS_KEY_PEM as values.
// SIGTERM drains: no new sessions, transactions in flight finish.
import { loadConfig } from "../../shared/config.ts";
import { secretReader, smtpDeps, wiring, type Wiring } from "../../shared/wiring.ts";
import { log } from "../../shared/log.ts";
import { tlsPairOf, watchCertificate, type TlsPair } from "../../shared/smtp/certificate.ts";
import { startSmtpIngest } from "../../shared/smtp/server.ts";
import { smtpSettings } from "../../shared/smtp/settings.ts";
import { startHealthServer } from "./health.ts";

/** Where the certificate comes from: its secret (read again later), or fixed values. */
function tlsSource(w: Wiring): () => Promise<TlsPair> {
  const { tlsCertPem: cert, tlsKeyPem: key, tlsCertSecretArn } = w.config.smtpServer;
  if (tlsCertSecretArn) {
    const read = secretReader(w);
    return async () => tlsPairOf(await read(tlsCertSecretArn), tlsCertSecretArn);
  }
  if (cert && key) return async () => ({ cert, key });
  throw new Error("Set TLS_CERT_SECRET_ARN (a secret with JSON {cert, key}), or TLS_CERT_PEM and TLS_KEY_PEM: SMTP submission is TLS only");
}

async function main() {
  const config = loadConfig();
  // Many sessions at once: their accept-path writes go out together (shared/lib/coalesce.ts).
  const w = wiring({ config, coalesce: true });
  const deps = smtpDeps(w);
  const readTls = tlsSource(w);
  const tls = await readTls();
  const ingest = await startSmtpIngest({
    deps,
    settings: smtpSettings(config),
    tls,
    host: config.smtpServer.bindHost,
    starttlsPort: config.smtpServer.starttlsPort,
    tlsPort: config.smtpServer.tlsPort,
  });
  const health = await startHealthServer(config.smtpServer.healthPort, () => ingest.accepting(), config.smtpServer.bindHost);
  log.info("smtp ingest listening", { starttlsPort: ingest.starttlsPort, tlsPort: ingest.tlsPort, healthPort: health.port });
  const certificate = watchCertificate({
    initial: tls,
    read: readTls,
    apply: (pair) => ingest.updateTls(pair),
    intervalMs: config.secrets.maxAgeSeconds * 1000,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    certificate.stop();
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
