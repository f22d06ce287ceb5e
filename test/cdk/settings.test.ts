// Context parameters as `cdk -c` gives them (strings) and as cdk.json gives them (JSON types).
import { describe, expect, it } from "vitest";
import { readSettings } from "../../cdk/settings.ts";

const from = (context: Record<string, unknown>) => readSettings((key) => context[key]);

describe("deploy settings", () => {
  it("defaults to SES, no domain, no CORS, deletion protection and one SMTP task", () => {
    expect(from({})).toEqual({
      sendingDomain: undefined,
      transport: "ses",
      smtpRelaySecretArn: undefined,
      smtpRelaySecure: false,
      smtpTlsCertSecretArn: undefined,
      corsOrigins: [],
      publicUrl: undefined,
      deletionProtection: true,
      deliveryMaxConcurrency: undefined,
      alarmEmail: undefined,
      smtpIngestMinTasks: 1,
      smtpIngestMaxTasks: 4,
      smtp: true,
      apiDomain: undefined,
      linksDomain: undefined,
      domainCertificateArn: undefined,
      hostedZoneName: undefined,
      hostedZoneId: undefined,
    });
  });

  it("refuses a custom domain without a certificate or a hosted zone, and a bad host name", () => {
    expect(() => from({ linksDomain: "links.example.com" })).toThrow(/need domainCertificateArn, or hostedZoneName and hostedZoneId/);
    expect(() => from({ apiDomain: "https://api.example.com" })).toThrow(/apiDomain must be a host name/);
    expect(() => from({ hostedZoneName: "example.com" })).toThrow(/go together/);
    expect(from({ smtp: "false" }).smtp).toBe(false);
    expect(() => from({ smtp: "no" })).toThrow(/smtp must be true or false/);
  });

  it("reads strings from -c and JSON values from cdk.json alike", () => {
    const fromCli = from({ deletionProtection: "false", deliveryMaxConcurrency: "8", corsOrigins: "https://a.test, https://b.test" });
    const fromJson = from({ deletionProtection: false, deliveryMaxConcurrency: 8, corsOrigins: ["https://a.test", "https://b.test"] });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli).toMatchObject({
      deletionProtection: false,
      deliveryMaxConcurrency: 8,
      corsOrigins: ["https://a.test", "https://b.test"],
    });
  });

  it("refuses the SMTP transport without its relay secret", () => {
    expect(() => from({ transport: "smtp" })).toThrow(/smtpRelaySecretArn/);
  });

  it("refuses an unknown transport and an out-of-range concurrency", () => {
    expect(() => from({ transport: "sendgrid" })).toThrow(/ses or smtp/);
    expect(() => from({ deliveryMaxConcurrency: "1" })).toThrow(/from 2 to 1000/);
    expect(() => from({ deletionProtection: "yes" })).toThrow(/true or false/);
  });

  it("drops a trailing slash from the public URL", () => {
    expect(from({ publicUrl: "https://mail.example.com/" }).publicUrl).toBe("https://mail.example.com");
  });
});
