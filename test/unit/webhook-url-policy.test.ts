// The URL policy: on AWS a webhook may not reach private, loopback or link-local addresses,
// whether written literally or reached through DNS; locally everything is allowed.
import { describe, expect, it } from "vitest";
import { parseSendRequest } from "../../shared/accept/http-request.ts";
import { checkWebhookUrl, isBlockedAddress, urlSyntaxProblem, type Resolver } from "../../shared/webhooks/url-policy.ts";

const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses;

describe("the webhook URL policy in AWS mode", () => {
  it.each([
    "http://10.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://172.16.5.4/",
    "http://192.168.1.10/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::a00:1]/",
    "http://localhost:3000/",
    "http://metadata/",
  ])("refuses %s", async (url) => {
    expect(await checkWebhookUrl(url, "aws", resolvesTo("93.184.216.34"))).toBe("url_not_allowed");
  });

  it("accepts a public address and a host name that resolves only to public addresses", async () => {
    expect(await checkWebhookUrl("https://93.184.216.34/hook", "aws")).toBeUndefined();
    expect(
      await checkWebhookUrl(
        "https://hooks.example.com/posthaste",
        "aws",
        resolvesTo("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"),
      ),
    ).toBeUndefined();
  });

  it("refuses a host name when any one of its addresses is private", async () => {
    expect(await checkWebhookUrl("https://hooks.example.com/", "aws", resolvesTo("93.184.216.34", "10.1.2.3"))).toBe("url_not_allowed");
  });

  it("refuses a host name that does not resolve", async () => {
    const fails: Resolver = async () => {
      throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    };
    expect(await checkWebhookUrl("https://nowhere.example.com/", "aws", fails)).toBe("url_not_allowed");
  });
});

describe("the webhook URL policy in local mode", () => {
  it("allows loopback, where the local receiver runs", async () => {
    expect(await checkWebhookUrl("http://127.0.0.1:4000/hook", "local")).toBeUndefined();
    expect(await checkWebhookUrl("http://localhost:4000/hook", "local")).toBeUndefined();
  });
});

describe("webhook URL syntax", () => {
  it.each([
    "ftp://example.com/x",
    "javascript:alert(1)",
    "/relative/path",
    "http://exa mple.com/",
    "not a url",
    `https://example.com/${"a".repeat(2100)}`,
  ])("refuses %s as invalid in either mode", (url) => {
    expect(urlSyntaxProblem(url, "local")).toBe("invalid_url");
    expect(urlSyntaxProblem(url, "aws")).toBe("invalid_url");
  });
});

describe("blocked addresses", () => {
  it("covers the metadata service, private ranges and IPv4 hidden in IPv6", () => {
    for (const address of ["169.254.169.254", "10.255.255.255", "::ffff:10.0.0.1", "2002:a00:1::", "ff02::1", "::"])
      expect(isBlockedAddress(address)).toBe(true);
    for (const address of ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"]) expect(isBlockedAddress(address)).toBe(false);
  });
});

describe("a recipient's callbackUrl in a send request", () => {
  const request = (callbackUrl: string) => ({
    Recipients: [{ Address: "ivan@example.org", ExtraData: { callbackUrl } }],
    Sender: { Address: "news@example.com" },
    Subject: "Hi",
    Body: { PlainText: "Hi" },
  });
  const limits = { recipientsPerRequest: 1000, messageBytes: 10 * 1024 * 1024, attachmentsPerMessage: 50 };

  it("is refused for that recipient when it points at a private address in AWS mode", () => {
    const parsed = parseSendRequest(request("http://169.254.169.254/latest/meta-data/"), limits, { urlMode: "aws" });
    expect(parsed.submission.recipients).toEqual([]);
    expect(parsed.failures[0].reasons).toEqual([{ key: "url_not_allowed", ref: "Recipients[0].ExtraData.callbackUrl" }]);
  });

  it("is accepted on loopback in local mode, and refused anywhere when it is not http(s)", () => {
    expect(parseSendRequest(request("http://127.0.0.1:4000/hook"), limits).failures).toEqual([]);
    expect(parseSendRequest(request("file:///etc/passwd"), limits).failures[0].reasons).toEqual([
      { key: "invalid_url", ref: "Recipients[0].ExtraData.callbackUrl" },
    ]);
  });
});
