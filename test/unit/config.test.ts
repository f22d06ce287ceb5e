// Settings are parsed once, from the whole environment: a bad value is refused with its name, its
// value and what was expected, never read as "no limit" or "retry forever".
import { describe, expect, it } from "vitest";
import { ConfigError, loadAdminSettings, loadConfig, loadLocalSettings, logLevel } from "../../shared/config.ts";

const REQUIRED = { TABLE_NAME: "posthaste", BUCKET_NAME: "posthaste-bodies", LINK_SECRET: "secret" };

const refusal = (env: Record<string, string>) => {
  try {
    loadConfig({ ...REQUIRED, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
};

describe("loadConfig", () => {
  it("takes the defaults when nothing is set", () => {
    const config = loadConfig(REQUIRED);
    expect(config.limits.requestBytes).toBe(10 * 1024 * 1024);
    expect(config.delivery.maxAttempts).toBe(8);
    expect(config.transport).toMatchObject({ kind: "mailbox", host: "127.0.0.1", port: 1025, finalHop: true });
    expect(config.mode).toBe("aws");
    expect(config.smtpServer.greetingDelay).toBe(false);
  });

  it("reads whole numbers, flags and choices", () => {
    const config = loadConfig({
      ...REQUIRED,
      LIMIT_REQUEST_BYTES: "2048",
      DELIVERY_MAX_ATTEMPTS: "3",
      TRANSPORT: "smtp",
      SMTP_SECURE: "true",
      SMTP_GREETING_DELAY: "on",
      PUBLIC_URL: "https://mail.example.com/",
    });
    expect(config.limits.requestBytes).toBe(2048);
    expect(config.delivery.maxAttempts).toBe(3);
    expect(config.transport).toMatchObject({ kind: "smtp", secure: true, finalHop: false });
    expect(config.smtpServer.greetingDelay).toBe(true);
    expect(config.publicUrl).toBe("https://mail.example.com");
  });

  it("refuses a size with a unit instead of turning the limit off", () => {
    expect(refusal({ LIMIT_REQUEST_BYTES: "10MB" })).toBe('LIMIT_REQUEST_BYTES="10MB" is not valid: expected a whole number of bytes');
  });

  it("refuses a count in words instead of retrying forever", () => {
    expect(refusal({ DELIVERY_MAX_ATTEMPTS: "eight" })).toBe(
      'DELIVERY_MAX_ATTEMPTS="eight" is not valid: expected a whole number of attempts, at least 1',
    );
    expect(refusal({ DELIVERY_MAX_ATTEMPTS: "0" })).toContain("DELIVERY_MAX_ATTEMPTS");
  });

  it("refuses unknown choices, flags and URLs, naming each", () => {
    expect(refusal({ TRANSPORT: "pigeon" })).toBe('TRANSPORT="pigeon" is not valid: expected one of mailbox, smtp, ses');
    expect(refusal({ SMTP_SECURE: "yes" })).toBe('SMTP_SECURE="yes" is not valid: expected true or false');
    expect(refusal({ PUBLIC_URL: "mail.example.com" })).toBe('PUBLIC_URL="mail.example.com" is not valid: expected an http(s) URL');
    expect(refusal({ SMTP_PORT: "-1" })).toContain('SMTP_PORT="-1" is not valid');
    expect(refusal({ LOG_LEVEL: "debug" })).toBe('LOG_LEVEL="debug" is not valid: expected one of info, warn, silent');
  });

  it("refuses a port beyond 65535, as its message says, instead of failing later at listen", () => {
    expect(refusal({ SMTP_PORT: "70000" })).toBe('SMTP_PORT="70000" is not valid: expected a port number from 0 to 65535');
    expect(() => loadLocalSettings({ PORT: "65536" })).toThrow('PORT="65536" is not valid: expected a port number from 0 to 65535');
    expect(loadLocalSettings({ PORT: "65535" }).ports.api).toBe(65535);
  });

  it("names every bad or missing setting at once", () => {
    const message = (() => {
      try {
        loadConfig({ WEBHOOK_TIMEOUT_MS: "10s" });
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain("TABLE_NAME is not set");
    expect(message).toContain("LINK_SECRET is not set");
    expect(message).toContain('WEBHOOK_TIMEOUT_MS="10s" is not valid');
  });
});

describe("the local runtime's settings", () => {
  it("reads ports, pollers and the stand-ins' timings", () => {
    const settings = loadLocalSettings({ PORT: "3100", POSTHASTE_POLLERS: "off", LOCAL_POLLER_CONCURRENCY: "2" });
    expect(settings.ports.api).toBe(3100);
    expect(settings.pollers).toBe(false);
    expect(settings.pollerConcurrency).toBe(2);
    expect(loadLocalSettings({ POSTHASTE_PORTS: "auto" }).ports.api).toBe(0);
  });

  it("refuses a bad local setting and a bad handler setting before anything starts", () => {
    expect(() => loadLocalSettings({ POSTHASTE_PORTS: "random" })).toThrow('POSTHASTE_PORTS="random" is not valid: expected one of auto');
    expect(() => loadLocalSettings({ LOCAL_STANDINS_MAX_RESTARTS: "many" })).toThrow('LOCAL_STANDINS_MAX_RESTARTS="many"');
    expect(() => loadLocalSettings({ DELIVERY_MAX_ATTEMPTS: "eight" })).toThrow('DELIVERY_MAX_ATTEMPTS="eight"');
  });

  it("reads the admin CLI's mode and queue URLs", () => {
    const settings = loadAdminSettings({
      POSTHASTE_MODE: "aws",
      TABLE_NAME: "t",
      WEBHOOKS_QUEUE_URL: "https://q",
      WEBHOOKS_DLQ_URL: "https://d",
    });
    expect(settings).toMatchObject({
      mode: "aws",
      tableName: "t",
      queueUrls: { WEBHOOKS_QUEUE_URL: "https://q", WEBHOOKS_DLQ_URL: "https://d" },
    });
    expect(() => loadAdminSettings({ POSTHASTE_MODE: "cloud" })).toThrow('POSTHASTE_MODE="cloud"');
  });

  it("checks the log level too", () => {
    expect(logLevel({ LOG_LEVEL: "warn" })).toBe("warn");
    expect(() => logLevel({ LOG_LEVEL: "loud" })).toThrow('LOG_LEVEL="loud"');
  });
});
