// The SMTP door's certificate, renewable without a restart (docs/deploy.md, "The SMTP
// certificate"): the container reads it from its Secrets Manager secret, JSON {cert, key} in PEM,
// and reads it again every few minutes; a changed certificate goes into both servers' secure
// context, so new sessions get it while open sessions keep theirs and are never dropped. Each
// read also reports the days left before it expires, for the expiry alarm.
import { X509Certificate } from "node:crypto";
import { log } from "../log.ts";
import { METRIC, metrics } from "../observability.ts";

export interface TlsPair {
  cert: string;
  key: string;
}

/** The pair in a secret's text; a bad one names the secret and what is missing. */
export function tlsPairOf(text: string, secretId: string): TlsPair {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`Secret ${secretId} is not JSON: expected {"cert", "key"} in PEM`);
  }
  const pem = (field: string) => (typeof value[field] === "string" ? (value[field] as string).replace(/\\n/g, "\n") : "");
  const pair = { cert: pem("cert"), key: pem("key") };
  if (!pair.cert.includes("BEGIN CERTIFICATE")) throw new Error(`Secret ${secretId} has no PEM "cert"`);
  if (!pair.key.includes("PRIVATE KEY")) throw new Error(`Secret ${secretId} has no PEM "key"`);
  return pair;
}

/** Whole days from `now` until the certificate (the first of a chain) expires; negative once it has. */
export function daysToExpiry(certPem: string, now = Date.now()): number {
  const validTo = Date.parse(new X509Certificate(certPem).validTo);
  return Math.floor((validTo - now) / 86_400_000);
}

export interface CertificateWatcher {
  /** Reads the secret once; applies the pair when it changed. True when it did. */
  check(): Promise<boolean>;
  stop(): void;
}

/**
 * Keeps the servers on the secret's current pair: `read` gives the pair, `apply` installs it.
 * The first pair is the one the servers started with; a failed or bad read keeps what is in use.
 */
export function watchCertificate(options: {
  initial: TlsPair;
  read: () => Promise<TlsPair>;
  apply: (pair: TlsPair) => void;
  intervalMs: number;
}): CertificateWatcher {
  let current = options.initial;
  const report = () => {
    metrics.gauge(METRIC.certificateDaysToExpiry, daysToExpiry(current.cert));
    // No Lambda invocation ends here to flush them: the container publishes at each check.
    metrics.flush();
  };
  const check = async () => {
    try {
      const next = await options.read();
      if (next.cert === current.cert && next.key === current.key) return false;
      options.apply(next);
      current = next;
      log.info("smtp certificate reloaded", { daysToExpiry: daysToExpiry(next.cert) });
      return true;
    } catch (error) {
      log.warn("smtp certificate could not be read again; the one in use stays", { error: String(error) });
      return false;
    } finally {
      report();
    }
  };
  report();
  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
