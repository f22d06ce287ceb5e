// Deploy-time choices, read from CDK context (cdk.json "context" or `-c key=value`). Every one
// has a default, so `cdk synth` works on a fresh clone with nothing set.

export interface DeploySettings {
  /** Domain mail is sent from; creates the SES identity (DKIM records in the outputs). */
  sendingDomain?: string;
  transport: "ses" | "smtp";
  /** Secrets Manager secret, JSON {host, port, user, pass}, for transport "smtp". */
  smtpRelaySecretArn?: string;
  /** Implicit TLS to the relay (port 465); otherwise STARTTLS. */
  smtpRelaySecure: boolean;
  /** Secrets Manager secret, JSON {cert, key} in PEM, served by the SMTP ingest on 587/465. */
  smtpTlsCertSecretArn?: string;
  /** Origins allowed to call the HTTP API from a browser; none means no CORS. */
  corsOrigins: string[];
  /** Base URL of the API when a custom domain fronts it; default the HTTP API endpoint. */
  publicUrl?: string;
  /** Protects and retains the table, bucket and secrets on stack deletion. */
  deletionProtection: boolean;
  /** Overrides the manifest's maxConcurrency of the deliveries consumer (pace to the SES rate). */
  deliveryMaxConcurrency?: number;
  /** Email address that receives alarm notifications. */
  alarmEmail?: string;
  /** SMTP ingest task count bounds for auto scaling. */
  smtpIngestMinTasks: number;
  smtpIngestMaxTasks: number;
  /** Deploy the SMTP door (NLB + Fargate, needs Docker at deploy); `smtp=false` leaves it out. */
  smtp: boolean;
  /** Custom domain of the HTTP API (e.g. api.example.com), with `domainCertificateArn` or a hosted zone. */
  apiDomain?: string;
  /** Custom domain of the links in messages (tracking, unsubscribe, web version); becomes PUBLIC_URL. */
  linksDomain?: string;
  /** ACM certificate (same region) covering apiDomain and linksDomain; without it one is issued, validated in `hostedZoneName`. */
  domainCertificateArn?: string;
  /** Route 53 hosted zone of the domains: DNS validation of the certificate and the alias records. */
  hostedZoneName?: string;
  hostedZoneId?: string;
}

/** The subset of `Node.tryGetContext` this module needs, so tests can pass a plain object. */
export type ContextReader = (key: string) => unknown;

const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === "" ? undefined : trimmed;
};

// `-c key=value` always yields strings; cdk.json yields JSON types. Accept both.
function bool(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === "") return fallback;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function int(key: string, value: unknown, range: [number, number]): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < range[0] || parsed > range[1]) {
    throw new Error(`Context ${key} must be an integer from ${range[0]} to ${range[1]}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function list(value: unknown): string[] {
  if (Array.isArray(value))
    return value
      .map(String)
      .map((item) => item.trim())
      .filter(Boolean);
  return (text(value) ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

export function readSettings(context: ContextReader): DeploySettings {
  const transport = text(context("transport")) ?? "ses";
  if (transport !== "ses" && transport !== "smtp") throw new Error(`Context transport must be ses or smtp, got ${transport}`);
  const smtpRelaySecretArn = text(context("smtpRelaySecretArn"));
  if (transport === "smtp" && !smtpRelaySecretArn) {
    throw new Error("Context transport=smtp needs smtpRelaySecretArn (a secret with JSON {host, port, user, pass})");
  }
  const publicUrl = text(context("publicUrl"))?.replace(/\/$/, "");
  const smtpIngestMinTasks = int("smtpIngestMinTasks", context("smtpIngestMinTasks"), [1, 100]) ?? 1;
  const smtpIngestMaxTasks = int("smtpIngestMaxTasks", context("smtpIngestMaxTasks"), [1, 100]) ?? 4;
  if (smtpIngestMaxTasks < smtpIngestMinTasks) throw new Error("Context smtpIngestMaxTasks must be at least smtpIngestMinTasks");
  return {
    sendingDomain: text(context("sendingDomain"))?.toLowerCase(),
    transport,
    smtpRelaySecretArn,
    smtpRelaySecure: bool("smtpRelaySecure", context("smtpRelaySecure"), false),
    smtpTlsCertSecretArn: text(context("smtpTlsCertSecretArn")),
    corsOrigins: list(context("corsOrigins")),
    publicUrl,
    deletionProtection: bool("deletionProtection", context("deletionProtection"), true),
    // SQS event source mappings accept a maximum concurrency from 2 to 1000.
    deliveryMaxConcurrency: int("deliveryMaxConcurrency", context("deliveryMaxConcurrency"), [2, 1000]),
    alarmEmail: text(context("alarmEmail")),
    smtpIngestMinTasks,
    smtpIngestMaxTasks,
    smtp: bool("smtp", context("smtp"), true),
    ...domains(context),
  };
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function domains(context: ContextReader) {
  const host = (key: string) => {
    const value = text(context(key))?.toLowerCase();
    if (value !== undefined && !HOSTNAME.test(value)) throw new Error(`Context ${key} must be a host name, got ${JSON.stringify(value)}`);
    return value;
  };
  const apiDomain = host("apiDomain");
  const linksDomain = host("linksDomain");
  const domainCertificateArn = text(context("domainCertificateArn"));
  const hostedZoneName = host("hostedZoneName");
  const hostedZoneId = text(context("hostedZoneId"));
  if ((apiDomain || linksDomain) && !domainCertificateArn && !(hostedZoneName && hostedZoneId)) {
    throw new Error("Context apiDomain/linksDomain need domainCertificateArn, or hostedZoneName and hostedZoneId to issue one");
  }
  if (Boolean(hostedZoneName) !== Boolean(hostedZoneId)) throw new Error("Context hostedZoneName and hostedZoneId go together");
  return { apiDomain, linksDomain, domainCertificateArn, hostedZoneName, hostedZoneId };
}
