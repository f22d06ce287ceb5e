// Secrets Manager through AWS Lambda Powertools' Parameters: a secret's value is fetched once and
// kept for `maxAgeSeconds`, then fetched again on the next read, so a rotated secret is picked up
// without a redeploy while a warm function makes one call per secret per max age, not one per use.
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";

/** The current value of a secret (its ARN or name), as a string. */
export type SecretReader = (secretId: string) => Promise<string>;

/** The Secrets Manager client (made in shared/aws.ts), typed as Powertools takes it, so no SDK import here. */
type SecretsClient = NonNullable<NonNullable<ConstructorParameters<typeof SecretsProvider>[0]>["awsSdkV3Client"]>;

export function makeSecretReader(client: SecretsClient, maxAgeSeconds: number): SecretReader {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async (secretId) => {
    const value = await provider.get(secretId, { maxAge: maxAgeSeconds });
    if (typeof value !== "string") throw new Error(`Secret ${secretId} holds no text (SecretString)`);
    return value;
  };
}
