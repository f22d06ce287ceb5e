// The one loading function of Posthaste's secrets (docs/configuration.md, "Secrets"): the link
// secret, the SMTP relay's login and the DKIM key-encryption secret come either as values (npm start, tests) or, on AWS, as the
// ARN of a Secrets Manager secret, never their value (none is in any function's environment).
// Entries call the refresher before each invocation: it reads what the configuration names by
// ARN (cached by the reader for its max age) and puts the values into the configuration, where
// every user reads them at the moment of use, so a rotation reaches them without a redeploy.
import type { Config } from "../config.ts";
import { log } from "../log.ts";
import type { SecretReader } from "./secrets.ts";

export type SecretsRefresher = () => Promise<void>;

export function makeSecretsRefresher(config: Config, read: SecretReader | undefined): SecretsRefresher {
  const { linkSecretArn, relaySecretArn, dkimKeySecretArn } = config.secrets;
  if (!linkSecretArn && !relaySecretArn && !dkimKeySecretArn) return async () => {};
  if (!read) throw new Error("Secrets are named by ARN but no secret reader was built");
  let loaded = false;
  return async () => {
    try {
      const [link, relay, dkimKey] = await Promise.all([
        linkSecretArn && read(linkSecretArn),
        relaySecretArn && read(relaySecretArn),
        dkimKeySecretArn && read(dkimKeySecretArn),
      ]);
      if (link) config.linkSecret = link.trim();
      if (dkimKey) config.domains.keyEncryptionSecret = dkimKey.trim();
      if (relay && config.transport.kind === "smtp") config.transport = { ...config.transport, ...relayLogin(relay, relaySecretArn!) };
      loaded = true;
    } catch (error) {
      // Without a first value nothing can work; after it, a failed re-read keeps the values in hand.
      if (!loaded) throw error;
      log.warn("secrets could not be read again; the values read before stay in use", { error: String(error) });
    }
  };
}

/** The relay secret's JSON {host, port, user, pass}; a bad one names the secret and the field. */
export function relayLogin(text: string, secretId: string): { host: string; port: number; user?: string; pass?: string } {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`Secret ${secretId} is not JSON: expected {"host", "port", "user", "pass"}`);
  }
  const host = typeof value.host === "string" ? value.host.trim() : "";
  const port = Number(value.port);
  if (!host) throw new Error(`Secret ${secretId} has no "host"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Secret ${secretId} has no valid "port" (1 to 65535)`);
  const optional = (field: string) => (typeof value[field] === "string" && value[field] !== "" ? (value[field] as string) : undefined);
  return { host, port, user: optional("user"), pass: optional("pass") };
}
