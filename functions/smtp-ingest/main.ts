// The SMTP ingest container (Fargate behind an NLB; see functions/smtp-ingest/Dockerfile):
// STARTTLS on SMTP_STARTTLS_PORT, implicit TLS on SMTP_TLS_PORT, GET /health on HEALTH_PORT.
// The certificate comes from TLS_CERT_PEM and TLS_KEY_PEM, which the stack injects from its
// Secrets Manager secret. SIGTERM drains: no new sessions, transactions in flight finish.
import { loadConfig } from "../../shared/config.ts";
import { makeDeps } from "../../shared/deps.ts";
import { log } from "../../shared/log.ts";
import { startSmtpIngest } from "../../shared/smtp/server.ts";
import { smtpSettings } from "../../shared/smtp/settings.ts";
import { startHealthServer } from "./health.ts";

const port = (value: string | undefined, fallback: number) => (value === undefined || value === "" ? fallback : Number(value));

function tlsFromEnv(env: NodeJS.ProcessEnv): { key: string; cert: string } {
  // ECS secrets and .env files often carry PEMs with escaped newlines.
  const pem = (value: string | undefined) => value?.replace(/\\n/g, "\n");
  const cert = pem(env.TLS_CERT_PEM);
  const key = pem(env.TLS_KEY_PEM);
  if (cert && key) return { cert, key };
  if (env.TLS_CERT_SECRET_ARN) {
    throw new Error("TLS_CERT_SECRET_ARN is not read directly: pass the secret's cert and key as TLS_CERT_PEM and TLS_KEY_PEM (the CDK stack does)");
  }
  throw new Error("Set TLS_CERT_PEM and TLS_KEY_PEM: SMTP submission is TLS only");
}

async function main() {
  const env = process.env;
  const config = loadConfig(env);
  // Many sessions at once: their accept-path writes go out together (shared/coalesce.ts).
  const deps = makeDeps(config, undefined, undefined, { coalesce: true });
  const ingest = await startSmtpIngest({
    deps,
    settings: smtpSettings(config, env),
    tls: tlsFromEnv(env),
    host: env.SMTP_BIND_HOST || "0.0.0.0",
    starttlsPort: port(env.SMTP_STARTTLS_PORT, 587),
    tlsPort: port(env.SMTP_TLS_PORT, 465),
  });
  const health = await startHealthServer(port(env.HEALTH_PORT, 8080), () => ingest.accepting(), env.SMTP_BIND_HOST || "0.0.0.0");
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
