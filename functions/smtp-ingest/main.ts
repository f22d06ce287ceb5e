// The SMTP ingest container (Fargate behind an NLB; see functions/smtp-ingest/Dockerfile):
// STARTTLS on SMTP_STARTTLS_PORT, implicit TLS on SMTP_TLS_PORT, GET /health on HEALTH_PORT.
// The certificate comes from TLS_CERT_SECRET_ARN, the Secrets Manager secret the stack names,
// read again every SECRETS_MAX_AGE_SECONDS and reloaded without dropping a session when it
// changed (shared/smtp/certificate.ts); or from TLS_CERT_PEM and TLS_KEY_PEM as values.
// SIGTERM drains: no new sessions, transactions in flight finish.
//
// One Node process uses one core, so with SMTP_WORKERS above 1 (the default: one a core) this
// process forks that many workers (node:cluster), each running the whole SMTP door with its own
// group commit, and sharing the listening ports; it keeps the health server, restarts a worker
// that dies, and on SIGTERM drains every worker before it exits. Each worker reads and watches
// the certificate itself, so a renewed one reaches all of them.
import cluster, { type Worker } from "node:cluster";
import { loadConfig, type Config } from "../../shared/config.ts";
import { secretReader, smtpDeps, wiring, type Wiring } from "../../shared/wiring.ts";
import { log } from "../../shared/log.ts";
import { tlsPairOf, watchCertificate, type TlsPair } from "../../shared/smtp/certificate.ts";
import { startSmtpIngest, type SmtpIngest } from "../../shared/smtp/server.ts";
import { smtpSettings } from "../../shared/smtp/settings.ts";
import { startHealthServer } from "./health.ts";

/** What a worker tells the primary once its SMTP door listens. */
interface Listening {
  type: "listening";
  starttlsPort: number;
  tlsPort: number;
}

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

/** The SMTP door of one process, its certificate watched; `stop` drains it. */
async function serve(config: Config): Promise<{ ingest: SmtpIngest; stop(): Promise<void> }> {
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
  const certificate = watchCertificate({
    initial: tls,
    read: readTls,
    apply: (pair) => ingest.updateTls(pair),
    intervalMs: config.secrets.maxAgeSeconds * 1000,
  });
  return {
    ingest,
    async stop() {
      certificate.stop();
      await ingest.close();
    },
  };
}

const onStopSignals = (stop: (signal: string) => void) => {
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
};

/** SMTP_WORKERS=1: the SMTP door and the health server in this one process. */
async function single(config: Config) {
  const door = await serve(config);
  const { ingest } = door;
  const health = await startHealthServer(config.smtpServer.healthPort, () => ingest.accepting(), config.smtpServer.bindHost);
  log.info("smtp ingest listening", { starttlsPort: ingest.starttlsPort, tlsPort: ingest.tlsPort, healthPort: health.port, workers: 1 });
  let stopping = false;
  onStopSignals(async (signal) => {
    if (stopping) return;
    stopping = true;
    log.info("smtp ingest draining", { signal, sessions: ingest.sessions() });
    await door.stop();
    await health.close();
    log.info("smtp ingest stopped");
    process.exit(0);
  });
}

/** A cluster worker: the SMTP door on the shared ports, drained when the primary (or a signal) says so. */
async function worker(config: Config) {
  const door = await serve(config);
  const { ingest } = door;
  process.send!({ type: "listening", starttlsPort: ingest.starttlsPort, tlsPort: ingest.tlsPort } satisfies Listening);
  let stopping = false;
  onStopSignals(async (signal) => {
    if (stopping) return;
    stopping = true;
    log.info("smtp ingest worker draining", { signal, pid: process.pid, sessions: ingest.sessions() });
    await door.stop();
    process.exit(0);
  });
}

/** The cluster's primary: forks the workers, answers /health, restarts a worker that died, drains them all on SIGTERM. */
async function primary(config: Config) {
  const count = config.smtpServer.workers;
  const alive = new Set<Worker>();
  const listening = new Set<Worker>();
  let stopping = false;
  let announced = false;
  const health = await startHealthServer(config.smtpServer.healthPort, () => !stopping && listening.size > 0, config.smtpServer.bindHost);

  const fork = () => {
    const forked = cluster.fork();
    alive.add(forked);
    forked.on("message", (message: Listening) => {
      if (message?.type !== "listening") return;
      listening.add(forked);
      if (announced || listening.size < count) return;
      announced = true;
      log.info("smtp ingest listening", {
        starttlsPort: message.starttlsPort,
        tlsPort: message.tlsPort,
        healthPort: health.port,
        workers: count,
      });
    });
  };

  cluster.on("exit", (gone, code, signal) => {
    alive.delete(gone);
    const started = listening.delete(gone);
    if (stopping) {
      if (alive.size === 0) {
        void health.close().then(() => {
          log.info("smtp ingest stopped");
          process.exit(0);
        });
      }
      return;
    }
    if (!started) {
      // It could not start (a missing certificate, a bad setting): neither would another.
      log.error("smtp ingest worker failed to start", { pid: gone.process.pid, code, signal });
      for (const other of alive) other.process.kill("SIGKILL");
      process.exit(1);
    }
    log.error("smtp ingest worker died; starting another", { pid: gone.process.pid, code, signal });
    fork();
  });

  onStopSignals((signal) => {
    if (stopping) return;
    stopping = true;
    log.info("smtp ingest draining", { signal, workers: listening.size });
    for (const each of alive) each.process.kill("SIGTERM");
  });

  for (let i = 0; i < count; i++) fork();
}

async function main() {
  const config = loadConfig();
  if (cluster.isWorker) return worker(config);
  return config.smtpServer.workers > 1 ? primary(config) : single(config);
}

main().catch((error) => {
  log.error("smtp ingest failed to start", { error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
