// On AWS the secrets are named by ARN and read at run time (docs/configuration.md, "Secrets"):
// the DKIM key-encryption secret included, so a sealer built before the first read, or kept
// across a rotation, uses the value read last.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { makeKeySealer } from "../../shared/domains/index.ts";
import { makeSecretsRefresher } from "../../shared/secrets/refresh.ts";

const LINK_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:link";
const DKIM_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dkim";

const awsConfig = () => loadConfig({ TABLE_NAME: "t", BUCKET_NAME: "b", LINK_SECRET_ARN: LINK_ARN, DKIM_KEY_ENCRYPTION_KEY_ARN: DKIM_ARN });

describe("secrets read by ARN", () => {
  it("brings the DKIM key-encryption secret into the configuration, and a sealer built before reads it", async () => {
    const config = awsConfig();
    const values: Record<string, string> = { [LINK_ARN]: "link secret", [DKIM_ARN]: "first key-encryption secret, long enough\n" };
    const refresh = makeSecretsRefresher(config, async (id) => values[id]);
    const sealer = makeKeySealer(() => config.domains.keyEncryptionSecret);

    expect(() => sealer.seal("pem")).toThrow(/DKIM_KEY_ENCRYPTION_KEY is not set/);
    await refresh();
    expect(config.linkSecret).toBe("link secret");
    expect(config.domains.keyEncryptionSecret).toBe("first key-encryption secret, long enough");
    const sealed = sealer.seal("-----BEGIN PRIVATE KEY-----");
    expect(sealer.open(sealed)).toBe("-----BEGIN PRIVATE KEY-----");

    // A rotation reaches the same sealer at the next read (keys sealed before need the old secret).
    values[DKIM_ARN] = "second key-encryption secret, also long";
    await refresh();
    expect(() => sealer.open(sealed)).toThrow();
  });

  it("refuses to start without a reader when a secret is named by ARN", () => {
    expect(() => makeSecretsRefresher(awsConfig(), undefined)).toThrow(/no secret reader/);
  });

  it("keeps the values in hand when a later read fails", async () => {
    const config = awsConfig();
    let fail = false;
    const refresh = makeSecretsRefresher(config, async (id) => {
      if (fail) throw new Error("throttled");
      return id === DKIM_ARN ? "a key-encryption secret of thirty-two+" : "link";
    });
    await refresh();
    fail = true;
    await refresh();
    expect(config.domains.keyEncryptionSecret).toBe("a key-encryption secret of thirty-two+");
  });
});
