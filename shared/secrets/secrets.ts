// Secrets Manager through AWS Lambda Powertools' Parameters: a secret's value is fetched once and
// kept for `maxAgeSeconds`, then fetched again on the next read, so a rotated secret is picked up
// without a redeploy while a warm function makes one call per secret per max age, not one per use.
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** The current value of a secret (its ARN or name), as a string. */
export type SecretReader = (secretId: string) => Promise<string>;

export function makeSecretReader(client: SecretsManagerClient, maxAgeSeconds: number): SecretReader {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async (secretId) => {
    const value = await provider.get(secretId, { maxAge: maxAgeSeconds });
    if (typeof value !== "string") throw new Error(`Secret ${secretId} holds no text (SecretString)`);
    return value;
  };
}
